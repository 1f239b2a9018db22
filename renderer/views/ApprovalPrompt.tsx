import type { ToolInfo } from '../../core/api/contract';
import { safeText } from '../../core/text/safe-text';
import { useNow } from '../components/hooks';
import { formatCountdown } from '../lib/time';
import { useKb } from '../store';
import './tools.css';

/**
 * "Allow «name» to use your OpenAI session?" for a tool whose first credential request waits (policy `ask`).
 * Shown above every view, whatever the state; the answer is remembered (docs/client.md "Approval").
 * The name is shown exactly as the tool sent it: the host accepts only names that are what they look like
 * (core/text/tool-name.ts). The executable path comes from the OS or the tool and goes through the escaper.
 */
export function ApprovalPrompt() {
  const tools = useKb((s) => s.tools);
  const pending = tools.filter((t) => t.pending);
  const first = pending[0];
  if (!first) return null;
  return <Prompt tool={first} more={pending.length - 1} />;
}

function Prompt({ tool, more }: { tool: ToolInfo; more: number }) {
  const decide = useKb((s) => s.decideTool);
  const busy = useKb((s) => s.toolBusy !== null || s.connection !== 'open');
  const now = useNow(1000);
  const left = tool.pendingUntil ? Date.parse(tool.pendingUntil) - now : null;
  return (
    <section
      className="approval"
      role="alertdialog"
      aria-labelledby="approval-title"
      aria-describedby="approval-who"
    >
      <h2 id="approval-title" className="approval-title">
        Allow «{tool.name}» to use your OpenAI session?
      </h2>
      <p id="approval-who" className="approval-who">
        {callerLine(tool)}
        {left !== null && left > 0 && <> · waits {formatCountdown(left)} for your answer</>}
      </p>
      <p className="approval-note">
        It gets short-lived access tokens (never your refresh token) until you revoke it under Connected
        tools.
      </p>
      <div className="actions-row">
        <button
          type="button"
          className="btn btn-primary"
          disabled={busy}
          onClick={() => void decide(tool.name, true)}
        >
          Allow
        </button>
        <button
          type="button"
          className="btn btn-secondary"
          disabled={busy}
          onClick={() => void decide(tool.name, false)}
        >
          Deny
        </button>
      </div>
      {more > 0 && (
        <p className="approval-more">
          {more} more {more === 1 ? 'tool asks' : 'tools ask'} after this one.
        </p>
      )}
    </section>
  );
}

/** "Process 4242 · /usr/bin/python3" — or, when only the tool said so, "Says it is process 4242 (not verified)". */
export function callerLine(tool: Pick<ToolInfo, 'pid' | 'pidVerified' | 'executable'>): string {
  if (tool.pid === undefined) return 'The system did not say which program is asking.';
  const exe = tool.executable ? ` · ${safeText(tool.executable, 200)}` : '';
  return tool.pidVerified
    ? `Process ${tool.pid}${exe}`
    : `Says it is process ${tool.pid}${exe} (reported by the tool, not verified)`;
}
