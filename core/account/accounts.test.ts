/**
 * Usage alerts and the automatic switch (docs/accounts.md), with the session and the usage reader as small
 * stand-ins (test/integration/accounts.test.ts runs them through a real host and the ChatGPT stand-in).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountUsage, UsageNotice } from '../api/contract';
import type { AccountEntry } from '../session/session';
import { SettingsFile } from '../settings-file';
import { Accounts, type AccountsSession, type AccountsUsage } from './accounts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-accounts-usage-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function world(ids: string[]) {
  const usage = new Map<string, AccountUsage>();
  let active = ids[0]!;
  const switches: string[] = [];
  const session: AccountsSession = {
    list: (): AccountEntry[] =>
      ids.map((id) => ({
        accountId: id,
        email: `${id}@example.com`,
        planType: 'plus',
        active: id === active,
        state: 'signedIn',
      })),
    get activeAccountId() {
      return active;
    },
    switchTo: async (ref: string) => {
      active = ref;
      switches.push(ref);
    },
    onAccounts: () => () => {},
  };
  const reader: AccountsUsage = {
    usage: async () => ({ fetchedAt: new Date().toISOString(), source: 'server' }),
    cachedUsage: (id) => usage.get(id),
  };
  const set = (
    id: string,
    percent: number,
    limitReached = percent >= 100,
    resetsAt = '2030-01-01T00:00:00.000Z',
  ) =>
    usage.set(id, {
      limitReached,
      windows: [{ name: '5h', usedPercent: percent, resetsAt }],
      fetchedAt: new Date().toISOString(),
    });
  return { session, reader, set, switches, active: () => active };
}

async function accountsFor(w: ReturnType<typeof world>, autoSwitch: boolean) {
  const settings = new SettingsFile(dir);
  await settings.load();
  const accounts = new Accounts({
    session: w.session,
    usage: w.reader,
    settings,
    autoSwitch,
    watchIntervalMs: 3_600_000,
  });
  accounts.start();
  const notices: UsageNotice[] = [];
  accounts.onNotice((n) => notices.push(n));
  return { accounts, notices };
}

describe('usage alerts', () => {
  it('says so once at 80 % and once at 95 % of the active account’s window, and when a limited window resets', async () => {
    const w = world(['a', 'b']);
    const { accounts, notices } = await accountsFor(w, false);
    w.set('a', 50);
    await accounts.check(false);
    expect(notices).toEqual([]);
    w.set('a', 81);
    await accounts.check(false);
    w.set('a', 83);
    await accounts.check(false);
    w.set('a', 96);
    await accounts.check(false);
    expect(notices.map((n) => [n.kind, n.percent])).toEqual([
      ['threshold', 80],
      ['threshold', 95],
    ]);
    w.set('a', 100);
    await accounts.check(false);
    w.set('a', 3, false, '2030-01-01T05:00:00.000Z');
    await accounts.check(false);
    expect(notices.at(-1)).toMatchObject({ kind: 'reset', accountId: 'a', window: '5h' });
    // No auto-switch without the opt-in.
    expect(w.switches).toEqual([]);
    accounts.close();
  });
});

describe('automatic switching', () => {
  it('moves to the account with most room, and never while pinned', async () => {
    const w = world(['a', 'b', 'c']);
    const { accounts, notices } = await accountsFor(w, true);
    w.set('a', 100);
    w.set('b', 70);
    w.set('c', 20);
    await accounts.setPinned(true);
    await accounts.check(false);
    expect(w.switches).toEqual([]);
    await accounts.setPinned(false);
    await accounts.check(false);
    expect(w.switches).toEqual(['c']);
    expect(notices.find((n) => n.kind === 'switched')).toMatchObject({
      accountId: 'c',
      email: 'c@example.com',
    });
    accounts.close();
  });

  it('stays when every account is at its limit and says when the first one resets', async () => {
    const w = world(['a', 'b']);
    const { accounts, notices } = await accountsFor(w, true);
    w.set('a', 100, true, '2030-01-01T03:00:00.000Z');
    w.set('b', 40, true, '2030-01-01T02:00:00.000Z');
    await accounts.check(false);
    await accounts.check(false);
    expect(w.switches).toEqual([]);
    const limited = notices.filter((n) => n.kind === 'allLimited');
    expect(limited).toHaveLength(1);
    expect(limited[0]).toMatchObject({ resetsAt: '2030-01-01T02:00:00.000Z' });
    accounts.close();
  });

  it('keeps the UI’s choice in settings.json over the configured default', async () => {
    const w = world(['a']);
    const { accounts } = await accountsFor(w, false);
    expect(accounts.list().autoSwitch).toBe(false);
    await accounts.setAutoSwitch(true);
    accounts.close();
    const again = await accountsFor(w, false);
    expect(again.accounts.list().autoSwitch).toBe(true);
    again.accounts.close();
  });

  it('keeps a pin across a restart, so auto-switch still leaves the pinned account alone', async () => {
    const w = world(['a', 'b']);
    const { accounts } = await accountsFor(w, true);
    expect(accounts.list().pinned).toBe(false);
    await accounts.setPinned(true);
    accounts.close();
    const again = await accountsFor(w, true);
    expect(again.accounts.list().pinned).toBe(true);
    w.set('a', 100, true);
    w.set('b', 10);
    await again.accounts.check(false);
    expect(w.switches).toEqual([]);
    await again.accounts.setPinned(false);
    await again.accounts.check(false);
    expect(w.switches).toEqual(['b']);
    again.accounts.close();
    const third = await accountsFor(w, true);
    expect(third.accounts.list().pinned).toBe(false);
    third.accounts.close();
  });
});
