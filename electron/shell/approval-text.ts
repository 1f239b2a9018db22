/** What the approval notification says and when it appears: pure, so it is tested without Electron. */
import type { ToolInfo } from '../../core/api/contract';
import { safeText } from '../../core/text/safe-text';

/** The pending tools not announced yet, and the announced ones no longer pending. */
export function approvalsToAnnounce(
  announced: ReadonlySet<string>,
  tools: readonly ToolInfo[],
): { added: ToolInfo[]; gone: string[] } {
  const pending = new Map(tools.filter((t) => t.pending).map((t) => [t.name, t]));
  return {
    added: [...pending.values()].filter((t) => !announced.has(t.name)),
    gone: [...announced].filter((name) => !pending.has(name)),
  };
}

/** "Process 4242 · /usr/bin/python3 wants a token. …" — the pid is marked when only the tool reported it. */
export function notificationBody(tool: Pick<ToolInfo, 'pid' | 'pidVerified' | 'executable'>): string {
  const who =
    tool.pid === undefined
      ? 'A program'
      : tool.pidVerified
        ? `Process ${tool.pid}${tool.executable ? ` (${safeText(tool.executable, 200)})` : ''}`
        : `A program that says it is process ${tool.pid} (not verified)`;
  return `${who} asks for your OpenAI access token. Allow it once and Keybridge remembers.`;
}
