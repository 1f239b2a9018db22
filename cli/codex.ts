/**
 * `keybridge codex enable|disable|status` (README "CLI"): sharing the session with Codex CLI through
 * `$CODEX_HOME/auth.json`. The host does the work; this prints it. A login Codex made itself is replaced only
 * with `--replace-existing` (it is kept as a backup and restored by `disable`).
 */
import type { CodexStatus } from '../core/api/protocol';
import { UsageError, type Parsed } from './args';
import { formatDuration, terminalLines } from './format';

interface Caller {
  call(method: string, params?: Record<string, unknown>): Promise<unknown>;
}

interface Out {
  out(text: string): void;
  err(text: string): void;
}

const ACTIONS = ['enable', 'disable', 'status'] as const;

export async function codexCommand(client: Caller, args: Parsed, io: Out): Promise<number> {
  const action = args.positionals[0];
  if (!ACTIONS.includes(action as (typeof ACTIONS)[number])) {
    throw new UsageError(`codex needs one of: ${ACTIONS.join(', ')} (got ${action}).`);
  }
  if (args.flags['replace-existing'] && action !== 'enable') {
    throw new UsageError('--replace-existing goes with codex enable.');
  }
  let status: CodexStatus;
  if (action === 'enable') {
    try {
      status = (await client.call(
        'codex.enable',
        args.flags['replace-existing'] ? { replaceExisting: true } : undefined,
      )) as CodexStatus;
    } catch (e) {
      const code = (e as { data?: { code?: unknown } }).data?.code;
      if (code !== 'codex_login_exists') throw e;
      io.err(
        `${(e as Error).message}\n\nNothing was changed. To share Keybridge's session with Codex CLI anyway, run:\n  keybridge codex enable --replace-existing\n`,
      );
      return 1;
    }
  } else if (action === 'disable') {
    status = (await client.call('codex.disable')) as CodexStatus;
  } else {
    status = (await client.call('codex.status')) as CodexStatus;
  }
  if (args.flags.json) io.out(JSON.stringify(status, null, 2) + '\n');
  else io.out(terminalLines(formatCodexStatus(status)));
  if (action === 'enable' && status.problem) return 1;
  return 0;
}

export function formatCodexStatus(s: CodexStatus, now = Date.now()): string[] {
  const lines = [`Sharing with Codex CLI: ${s.enabled ? 'on' : 'off'}`];
  if (s.file === 'ours') {
    const ago = s.lastWrittenAt
      ? `, last written ${formatDuration(now - Date.parse(s.lastWrittenAt))} ago`
      : '';
    lines.push(`Login file:  ${s.path} (Keybridge's${ago})`);
  } else if (s.file === 'foreign') {
    lines.push(`Login file:  ${s.path} (Codex CLI's own login)`);
  } else {
    lines.push(`Login file:  ${s.path} (none${s.enabled ? ': written when you are signed in' : ''})`);
  }
  if (s.backupPath) lines.push(`Backup:      ${s.backupPath} (Codex CLI's own login, restored on disable)`);
  if (s.problem) lines.push(`Problem:     ${s.problem.message}`);
  return lines;
}
