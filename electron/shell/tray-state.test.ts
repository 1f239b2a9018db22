import { describe, expect, it } from 'vitest';
import type { Status } from '../../core/api/contract';
import { trayMenuModel, type TrayMenuItem } from './tray-menu';
import { trayIconFile, trayIconState, trayStatusLine, trayTooltip } from './tray-state';

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
