/**
 * `keybridge accounts`, `switch`, `usage` and `logout [--account X | --all]` (docs/accounts.md): several
 * signed-in accounts from the command line. The host does the work; this prints it.
 */
import type { AccountList, Usage } from '../core/api/protocol';
import type { Parsed } from './args';
import { formatDuration, planLabel, terminalLines } from './format';

interface Caller {
  call(method: string, params?: Record<string, unknown>): Promise<unknown>;
}

interface Out {
  out(text: string): void;
  err(text: string): void;
}

const EXIT_OK = 0;
const EXIT_ERROR = 1;
const EXIT_NONE = 4;

const label = (a: { email: string | null; accountId: string }) => a.email ?? a.accountId;

/** `keybridge accounts [--json]`: exit 0 with at least one account, 4 with none. */
export async function accountsCommand(client: Caller, args: Parsed, io: Out): Promise<number> {
  const list = (await client.call('accounts.list')) as AccountList;
  if (args.flags.json) {
    const accounts = list.accounts.map((a) => ({
      email: a.email,
      planType: a.planType,
      accountId: a.accountId,
      active: a.active,
      state: a.state,
    }));
    io.out(JSON.stringify({ accounts }, null, 2) + '\n');
  } else if (list.accounts.length > 0) {
    const width = Math.max(...list.accounts.map((a) => label(a).length));
    for (const a of list.accounts) {
      const facts = [planLabel(a.planType), a.accountId];
      if (a.state === 'expired') facts.push('sign in again');
      io.out(terminalLines([`${a.active ? '*' : ' '} ${label(a).padEnd(width)}  ${facts.join(' · ')}`]));
    }
    if (list.autoSwitch)
      io.err(`Automatic switching is on${list.pinned ? ' (paused: the active account is pinned)' : ''}.\n`);
  }
  if (list.accounts.length === 0) {
    if (!args.flags.json) io.err('No account is signed in. Run `keybridge login` to add one.\n');
    return EXIT_NONE;
  }
  return EXIT_OK;
}

/** `keybridge switch <email|accountId>`: an unknown account is an error whose message lists the known ones. */
export async function switchCommand(client: Caller, args: Parsed, io: Out): Promise<number> {
  const list = (await client.call('accounts.switch', { account: args.positionals[0]! })) as AccountList;
  const active = list.accounts.find((a) => a.active);
  io.err(
    active ? `Active account: ${label(active)} (${planLabel(active.planType)})\n` : 'No active account.\n',
  );
  return EXIT_OK;
}

/** `keybridge logout [--account X | --all]`. */
export async function logoutCommand(client: Caller, args: Parsed, io: Out): Promise<number> {
  const account = typeof args.flags.account === 'string' ? args.flags.account : undefined;
  const params = args.flags.all ? { all: true } : account !== undefined ? { account } : undefined;
  const { revoked, signedOut } = (await client.call('auth.logout', params)) as {
    revoked: boolean;
    signedOut?: string[];
  };
  const which = signedOut && signedOut.length > 0 ? ` ${signedOut.join(', ')}` : '';
  io.err(
    terminalLines([
      revoked
        ? `Signed out${which}. The tokens were revoked at the server.`
        : `Signed out${which} on this computer. The server could not be reached to revoke the tokens; they stop working when they expire.`,
    ]),
  );
  const status = (await client.call('status.get')) as { state: string; account?: { email: string | null } };
  if (status.account && (status.state === 'signedIn' || status.state === 'refreshing')) {
    io.err(terminalLines([`Active account: ${status.account.email ?? 'an account without an email'}`]));
  }
  return EXIT_OK;
}

/** `keybridge usage [--json] [--account X] [--refresh]`: one entry per account (or the one named). */
export async function usageCommand(client: Caller, args: Parsed, io: Out): Promise<number> {
  const refresh = args.flags.refresh === true;
  const named = typeof args.flags.account === 'string' ? args.flags.account : undefined;
  let targets: string[];
  if (named !== undefined) targets = [named];
  else {
    const list = (await client.call('accounts.list')) as AccountList;
    targets = list.accounts
      .filter((a) => a.state === 'signedIn' || a.state === 'refreshing')
      .sort((a, b) => Number(b.active) - Number(a.active))
      .map((a) => a.accountId);
  }
  if (targets.length === 0) {
    if (args.flags.json) io.out(JSON.stringify({ usage: [] }, null, 2) + '\n');
    io.err('No account is signed in. Run `keybridge login` to add one.\n');
    return EXIT_NONE;
  }
  const usages: Usage[] = [];
  for (const account of targets) {
    usages.push((await client.call('usage.get', refresh ? { account, refresh } : { account })) as Usage);
  }
  if (args.flags.json) {
    const usage = usages.map((u) => ({
      accountId: u.accountId,
      email: u.email ?? null,
      planType: u.planType ?? null,
      limitReached: u.limitReached === true,
      windows: (u.windows ?? []).map((w) => ({
        name: w.name,
        usedPercent: w.usedPercent,
        resetsAt: w.resetsAt,
      })),
    }));
    io.out(JSON.stringify({ usage }, null, 2) + '\n');
  } else {
    io.out(terminalLines(usages.map(formatUsageLine)));
    io.err(
      terminalLines(
        usages.flatMap((u) => (u.error ? [`${u.email ?? u.accountId}: ${u.error.message}`] : [])),
      ),
    );
  }
  return usages.every((u) => u.fetchedAt === null && u.error) ? EXIT_ERROR : EXIT_OK;
}

/** "ada@example.com (Plus) · 5h 42 % (resets in 2 h 10 min) · weekly 17 % · LIMIT REACHED" */
export function formatUsageLine(u: Usage, now = Date.now()): string {
  const parts = [`${u.email ?? u.accountId ?? 'account'} (${planLabel(u.planType)})`];
  for (const w of u.windows ?? []) {
    const resets = w.resetsAt ? ` (resets in ${formatDuration(Date.parse(w.resetsAt) - now)})` : '';
    parts.push(`${w.name} ${Math.round(w.usedPercent)} %${resets}`);
  }
  if ((u.windows ?? []).length === 0) parts.push(u.fetchedAt ? 'no limits reported' : 'usage not known yet');
  if (u.limitReached) parts.push('limit reached');
  return parts.join(' · ');
}
