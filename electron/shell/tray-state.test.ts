import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AccountList, Status } from '../../core/api/contract';
import { trayMenuModel, type TrayMenuItem } from './tray-menu';
import { TRAY_ICON_STATES, trayIconFile, trayIconState, trayStatusLine, trayTooltip } from './tray-state';
import { noticeKey, untilText, usageNotification } from './usage-notification-text';

const storage = { kind: 'safe-storage', protected: true, description: 'macOS Keychain' };
const account = { email: 'ada@example.com', planType: 'plus', accountId: 'acc_1' };
const s = (state: Status['state'], extra: Partial<Status> = {}): Status => ({ state, storage, ...extra });

describe('trayIconState', () => {
  it('shows one of the four icons for every session state', () => {
    expect(trayIconState(undefined)).toBe('signed-out');
    expect(trayIconState(s('signedOut'))).toBe('signed-out');
    expect(trayIconState(s('signingIn'))).toBe('refreshing');
    expect(trayIconState(s('signedIn', { account }))).toBe('connected');
    expect(trayIconState(s('refreshing', { account }))).toBe('refreshing');
    expect(trayIconState(s('expired'))).toBe('attention');
    expect(trayIconState(s('error', { lastError: { code: 'vault_unreadable', message: 'x' } }))).toBe(
      'attention',
    );
  });

  it('asks for attention while signed in when the last refresh failed (offline)', () => {
    expect(
      trayIconState(s('signedIn', { account, lastError: { code: 'network', message: 'Offline' } })),
    ).toBe('attention');
  });
});

describe('trayTooltip and status line', () => {
  it('names the account and plan when connected', () => {
    expect(trayTooltip(s('signedIn', { account }))).toBe('Keybridge — ada@example.com · Plus');
    expect(trayTooltip(s('signedIn', { account: { ...account, planType: 'prolite' } }))).toBe(
      'Keybridge — ada@example.com · Pro Lite',
    );
    expect(trayTooltip(s('signedIn', { account: { ...account, planType: 'galaxy' } }))).toBe(
      'Keybridge — ada@example.com · galaxy',
    );
    expect(trayTooltip(s('signedIn', { account: { ...account, planType: null } }))).toBe(
      'Keybridge — ada@example.com',
    );
    expect(trayTooltip(s('signedOut'))).toBe('Keybridge — signed out');
  });

  it('adds the selected model to the tooltip when one is selected', () => {
    expect(trayTooltip(s('signedIn', { account, selectedModel: 'gpt-5.1-codex' }))).toBe(
      'Keybridge — ada@example.com · Plus · gpt-5.1-codex',
    );
    expect(trayTooltip(s('refreshing', { account, selectedModel: 'gpt-5.1-codex' }))).toBe(
      'Keybridge — ada@example.com · Plus · gpt-5.1-codex',
    );
    expect(trayTooltip(s('signedOut', { selectedModel: 'gpt-5.1-codex' }))).toBe('Keybridge — signed out');
  });

  it('says what to do when the session has ended', () => {
    expect(trayStatusLine(s('expired'))).toMatch(/sign in again/);
    expect(
      trayStatusLine(
        s('error', { lastError: { code: 'vault_unreadable', message: 'The vault is damaged.' } }),
      ),
    ).toBe('Problem: The vault is damaged.');
  });
});

describe('trayIconFile', () => {
  it('finds a committed PNG (and its @2x) for every state on every platform and theme', () => {
    const dir = join(import.meta.dirname, '../../build/icons/tray');
    for (const state of TRAY_ICON_STATES) {
      for (const [platform, dark] of [
        ['darwin', false],
        ['linux', false],
        ['win32', true],
      ] as const) {
        const file = trayIconFile(state, platform, dark);
        expect(existsSync(join(dir, file)), file).toBe(true);
        expect(existsSync(join(dir, file.replace(/\.png$/, '@2x.png'))), file).toBe(true);
      }
    }
  });

  it('uses template images on macOS and the theme variant elsewhere', () => {
    expect(trayIconFile('connected', 'darwin', true)).toBe('connectedTemplate.png');
    expect(trayIconFile('connected', 'win32', true)).toBe('connected-dark.png');
    expect(trayIconFile('attention', 'linux', false)).toBe('attention-light.png');
  });
});

describe('trayMenuModel', () => {
  const labels = (items: TrayMenuItem[]) => items.map((i) => (i.kind === 'separator' ? '—' : i.label));
  const opts = { openAtLogin: false, loginItemSupported: true };

  it('offers sign-in when signed out and sign-out when signed in', () => {
    expect(labels(trayMenuModel(s('signedOut'), opts))).toEqual([
      'Signed out',
      '—',
      'Sign in with OpenAI…',
      'Open Keybridge',
      '—',
      'Start at login',
      '—',
      'Quit Keybridge',
    ]);
    const signedIn = labels(trayMenuModel(s('signedIn', { account }), opts));
    expect(signedIn).toContain('Sign out…');
    expect(signedIn).not.toContain('Sign in with OpenAI…');
    expect(labels(trayMenuModel(s('expired'), opts))).toContain('Sign in with OpenAI…');
    expect(labels(trayMenuModel(s('signingIn'), opts))).toContain('Cancel sign-in');
  });

  it('keeps the status line disabled and reflects the login item', () => {
    const items = trayMenuModel(s('signedOut'), { openAtLogin: true, loginItemSupported: true });
    expect(items[0]).toEqual({ kind: 'status', label: 'Signed out' });
    expect(items.find((i) => i.kind === 'checkbox')).toMatchObject({ checked: true, enabled: true });
  });

  it('disables session actions while one is running or before the host answered', () => {
    const busy = trayMenuModel(s('signedOut'), { ...opts, busy: true });
    expect(busy.find((i) => i.kind === 'action' && i.action === 'signIn')).toMatchObject({ enabled: false });
    const starting = trayMenuModel(undefined, opts);
    expect(starting.find((i) => i.kind === 'action' && i.action === 'signIn')).toMatchObject({
      enabled: false,
    });
    expect(starting.find((i) => i.kind === 'action' && i.action === 'quit')).toMatchObject({ enabled: true });
  });
});

describe('several accounts in the tray', () => {
  const ada = { ...account, accountId: 'acc_1' };
  const list = (limited: boolean): AccountList => ({
    accounts: [
      {
        accountId: 'acc_1',
        email: 'ada@example.com',
        planType: 'plus',
        active: true,
        state: 'signedIn',
        usage: {
          limitReached: limited,
          windows: [
            { name: '5h', usedPercent: limited ? 100 : 40 },
            { name: 'weekly', usedPercent: 30 },
          ],
          fetchedAt: null,
        },
      },
      {
        accountId: 'acc_2',
        email: 'grace@example.com',
        planType: 'pro',
        active: false,
        state: 'signedIn',
        usage: { limitReached: true, windows: [{ name: 'weekly', usedPercent: 100 }], fetchedAt: null },
      },
      { accountId: 'acc_3', email: 'lin@example.com', planType: 'team', active: false, state: 'expired' },
    ],
    activeAccountId: 'acc_1',
    autoSwitch: false,
    pinned: false,
  });
  const opts = { openAtLogin: false, loginItemSupported: true };

  it('shows the limited icon, and says which limit, when the active account reached one', () => {
    const status = s('signedIn', { account: ada });
    expect(trayIconState(status, list(false))).toBe('connected');
    expect(trayIconState(status, list(true))).toBe('limited');
    expect(trayTooltip(status, list(true))).toBe('Keybridge — ada@example.com · Plus · 5-hour limit reached');
    expect(trayStatusLine(status, list(true))).toBe('ada@example.com · Plus — 5-hour limit reached');
    // A failed refresh outranks a limit: the user has to act on it first.
    expect(
      trayIconState(
        s('signedIn', { account: ada, lastError: { code: 'network', message: 'x' } }),
        list(true),
      ),
    ).toBe('attention');
    expect(TRAY_ICON_STATES).toContain('limited');
    expect(trayIconFile('limited', 'linux', true)).toBe('limited-dark.png');
  });

  it('lists the accounts as radio items, checked on the active one, with add and a named sign-out', () => {
    const items = trayMenuModel(s('signedIn', { account: ada }), { ...opts, accounts: list(false) });
    const accounts = items.filter((i) => i.kind === 'account');
    expect(accounts).toEqual([
      { kind: 'account', accountId: 'acc_1', label: 'ada@example.com · Plus', checked: true, enabled: true },
      {
        kind: 'account',
        accountId: 'acc_2',
        label: 'grace@example.com · Pro — weekly limit reached',
        checked: false,
        enabled: true,
      },
      {
        kind: 'account',
        accountId: 'acc_3',
        label: 'lin@example.com · Team — sign in again',
        checked: false,
        enabled: true,
      },
    ]);
    const labels = items.map((i) => (i.kind === 'separator' ? '—' : i.label));
    expect(labels.slice(0, 7)).toEqual([
      'Connected: ada@example.com · Plus',
      '—',
      'ada@example.com · Plus',
      'grace@example.com · Pro — weekly limit reached',
      'lin@example.com · Team — sign in again',
      '—',
      'Add account…',
    ]);
    expect(labels).toContain('Sign out ada@example.com…');
    // While an action runs, no switch either.
    const busy = trayMenuModel(s('signedIn', { account: ada }), {
      ...opts,
      busy: true,
      accounts: list(false),
    });
    expect(busy.filter((i) => i.kind === 'account').every((i) => i.kind === 'account' && !i.enabled)).toBe(
      true,
    );
  });

  it('lists no accounts when there is only one', () => {
    const one = { ...list(false), accounts: list(false).accounts.slice(0, 1) };
    const items = trayMenuModel(s('signedIn', { account: ada }), { ...opts, accounts: one });
    expect(items.some((i) => i.kind === 'account')).toBe(false);
    expect(items.map((i) => (i.kind === 'separator' ? '—' : i.label))).toContain('Sign out…');
  });
});

describe('usage notifications', () => {
  const now = Date.parse('2030-01-01T10:00:00Z');
  const base = { accountId: 'acc_1', email: 'ada@example.com' };

  it('titles the notice and keeps the host message as the body', () => {
    expect(
      usageNotification(
        {
          ...base,
          kind: 'threshold',
          window: '5h',
          percent: 80,
          message: 'ada@example.com has used 80% of its 5-hour limit.',
        },
        now,
      ),
    ).toEqual({
      title: '80% of the 5-hour limit used',
      body: 'ada@example.com has used 80% of its 5-hour limit.',
    });
    expect(
      usageNotification({ ...base, kind: 'switched', message: 'Tools now use ada@example.com.' }, now).title,
    ).toBe('Switched to ada@example.com');
  });

  it('says when the first window resets when every account is limited', () => {
    const n = usageNotification(
      {
        ...base,
        kind: 'allLimited',
        resetsAt: '2030-01-01T12:05:00Z',
        message: 'Every account is at its limit.',
      },
      now,
    );
    expect(n).toEqual({
      title: 'Every account is at its limit',
      body: 'Every account is at its limit. The first limit resets in 2 h 5 min.',
    });
    expect(untilText('2030-01-04T10:00:00Z', now)).toBe('in 3 days');
    expect(untilText('2029-12-31T10:00:00Z', now)).toBeNull();
  });

  it('replaces the notification of the same account and window rather than stacking them', () => {
    const at80 = { ...base, kind: 'threshold' as const, window: '5h' as const, percent: 80, message: '' };
    expect(noticeKey(at80)).toBe(noticeKey({ ...at80, percent: 95 }));
    expect(noticeKey(at80)).toBe(noticeKey({ ...at80, kind: 'reset' }));
    expect(noticeKey(at80)).not.toBe(noticeKey({ ...at80, window: 'weekly' }));
    expect(noticeKey(at80)).not.toBe(noticeKey({ ...at80, accountId: 'acc_2' }));
  });
});
