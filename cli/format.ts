/**
 * Human-readable output of the CLI: `keybridge status` one line per fact, and the one way any human line
 * reaches the terminal (`terminalLines`). Types come from core/api/protocol.ts, which is zod-free.
 */
import { planLabel as sharedPlanLabel } from '../core/account/plan-label';
import type { Status } from '../core/api/protocol';
import { safeText } from '../core/text/safe-text';

/**
 * Lines for people, each made inert for a terminal: what the host relays (an email from the id_token, a
 * model's name from the ChatGPT backend, a server's error message) cannot move the cursor, recolour the
 * terminal or forge a line. JSON output is left to JSON.stringify, which escapes what JSON must.
 */
export function terminalLines(lines: readonly string[]): string {
  return lines.length === 0 ? '' : lines.map((line) => safeText(line)).join('\n') + '\n';
}

/** The plan as shown to people; unknown plans are kept as the server names them. */
export function planLabel(planType: string | null | undefined): string {
  return sharedPlanLabel(planType) ?? 'unknown plan';
}

/** "52 min", "3 h 12 min", "2 d 4 h", "less than a minute". */
export function formatDuration(ms: number): string {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 1) return 'less than a minute';
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return minutes % 60 === 0 ? `${hours} h` : `${hours} h ${minutes % 60} min`;
  const days = Math.floor(hours / 24);
  return hours % 24 === 0 ? `${days} d` : `${days} d ${hours % 24} h`;
}

/** Exit code of `keybridge status` (README "CLI"): 0 signed in, 4 not signed in, 1 error. */
export function statusExitCode(status: Pick<Status, 'state'>): number {
  switch (status.state) {
    case 'signedIn':
    case 'refreshing':
      return 0;
    case 'signedOut':
    case 'signingIn':
    case 'expired':
      return 4;
    default:
      return 1;
  }
}

/** "ada@example.com (Plus)", inert for a terminal (the email is the id_token's). */
export function accountLabel(status: Status): string {
  const email = status.account?.email ?? 'an account without an email';
  return safeText(`${email} (${planLabel(status.account?.planType)})`);
}

export function formatStatus(status: Status, now = Date.now()): string[] {
  const lines: string[] = [];
  const who = status.account?.email ?? 'an account without an email';
  const plan = planLabel(status.account?.planType);
  switch (status.state) {
    case 'signedIn':
    case 'refreshing': {
      const facts = [`Signed in as ${who}${status.otherAccounts ? ' (active account)' : ''}`, plan];
      if (status.state === 'refreshing') facts.push('refreshing the token now');
      else if (status.expiresAt) facts.push(tokenHealth(Date.parse(status.expiresAt) - now));
      lines.push(facts.join(' · '));
      if (status.account?.accountId) lines.push(`Account: ${status.account.accountId}`);
      if (status.lastRefreshAt) lines.push(`Last refresh: ${ago(Date.parse(status.lastRefreshAt), now)}`);
      if (status.selectedModel) lines.push(`Default model: ${status.selectedModel}`);
      break;
    }
    case 'signingIn':
      lines.push('Signing in: waiting for the browser. Finish there, or run `keybridge login` again.');
      if (status.signIn?.url) lines.push(`Sign-in URL: ${status.signIn.url}`);
      break;
    case 'signedOut':
      lines.push('Not signed in. Run `keybridge login` to sign in.');
      break;
    case 'expired':
      lines.push('The session has ended: sign in again with `keybridge login`.');
      break;
    case 'error':
      lines.push('Keybridge needs attention.');
      break;
    default:
      // A newer host's state this CLI does not know yet.
      lines.push(`State: ${(status as { state: string }).state}`);
  }
  if (status.otherAccounts !== undefined && status.otherAccounts > 0) {
    const n = status.otherAccounts;
    lines.push(
      `Other accounts: ${n} (\`keybridge accounts\` lists them, \`keybridge switch\` changes the active one)`,
    );
  }
  if (status.lastError) lines.push(`Last error: ${status.lastError.message}`);
  // The cipher's description is written for people and already says how well it protects the tokens.
  if (status.storage) lines.push(`Storage: ${status.storage.description}`);
  return lines;
}

function tokenHealth(remainingMs: number): string {
  if (Number.isNaN(remainingMs)) return 'token expiry unknown';
  if (remainingMs <= 0) return `token expired ${formatDuration(remainingMs)} ago`;
  return `token valid for ${formatDuration(remainingMs)}`;
}

function ago(at: number, now: number): string {
  if (Number.isNaN(at)) return 'unknown';
  const d = now - at;
  return d < 60_000 ? 'just now' : `${formatDuration(d)} ago`;
}
