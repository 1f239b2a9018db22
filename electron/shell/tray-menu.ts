/**
 * The tray menu as data: tray.ts turns it into an Electron Menu and binds the actions. Pure, so which
 * entries a user sees in which state is tested without Electron.
 */
import type { AccountList, AccountSummary, Status } from '../../core/api/contract';
import { planLabel } from '../../core/account/plan-label';
import { blockingText, blockingWindow } from '../../core/account/usage-words';
import { isSignedIn, trayStatusLine } from './tray-state';

export type TrayAction =
  | 'signIn'
  | 'addAccount'
  | 'cancelSignIn'
  | 'signOut'
  | 'open'
  | 'toggleStartAtLogin'
  | 'toggleCodexSharing'
  | 'quit';

export type TrayMenuItem =
  | { kind: 'status'; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; action: TrayAction; label: string; enabled: boolean }
  | { kind: 'checkbox'; action: TrayAction; label: string; checked: boolean; enabled: boolean }
  /** One account of several: a radio item, checked on the active one; a click makes it active. */
  | { kind: 'account'; accountId: string; label: string; checked: boolean; enabled: boolean };

export interface TrayMenuOptions {
  openAtLogin: boolean;
  /** False where the platform offers no way to start at login (then the entry is shown disabled). */
  loginItemSupported: boolean;
  /** True while a tray action is running (sign-in starting, sign-out revoking): no second click meanwhile. */
  busy?: boolean;
  /** Sharing with Codex CLI is on; undefined: not known yet (no entry). */
  codexSharing?: boolean;
  /** The vault's accounts; listed (to switch between) when there are two or more. */
  accounts?: AccountList | null;
}

/** "grace@example.com · Pro", with "sign in again" or the reached limit after it. */
export function accountLabel(a: AccountSummary): string {
  const plan = planLabel(a.planType);
  const name = `${a.email ?? a.accountId}${plan ? ` · ${plan}` : ''}`;
  if (a.state === 'expired' || a.state === 'error') return `${name} — sign in again`;
  const blocking = blockingWindow(a.usage);
  return blocking ? `${name} — ${blockingText(blocking).toLowerCase()}` : name;
}

export function trayMenuModel(status: Status | undefined, opts: TrayMenuOptions): TrayMenuItem[] {
  const ready = status !== undefined && !opts.busy;
  const items: TrayMenuItem[] = [
    { kind: 'status', label: trayStatusLine(status, opts.accounts) },
    { kind: 'separator' },
  ];
  const accounts = opts.accounts?.accounts ?? [];
  if (accounts.length > 1) {
    for (const a of accounts) {
      items.push({
        kind: 'account',
        accountId: a.accountId,
        label: accountLabel(a),
        checked: a.active,
        enabled: ready,
      });
    }
    items.push({ kind: 'separator' });
  }
  if (isSignedIn(status)) {
    items.push(
      { kind: 'action', action: 'addAccount', label: 'Add account…', enabled: ready },
      {
        kind: 'action',
        action: 'signOut',
        // With several accounts, say which one goes.
        label:
          accounts.length > 1 && status?.account?.email ? `Sign out ${status.account.email}…` : 'Sign out…',
        enabled: ready,
      },
    );
  } else if (status?.state === 'signingIn') {
    items.push({ kind: 'action', action: 'cancelSignIn', label: 'Cancel sign-in', enabled: ready });
  } else {
    items.push({ kind: 'action', action: 'signIn', label: 'Sign in with OpenAI…', enabled: ready });
  }
  items.push(
    { kind: 'action', action: 'open', label: 'Open Keybridge', enabled: true },
    { kind: 'separator' },
  );
  if (opts.codexSharing !== undefined) {
    items.push({
      kind: 'checkbox',
      action: 'toggleCodexSharing',
      label: 'Share with Codex CLI',
      checked: opts.codexSharing,
      enabled: !opts.busy,
    });
  }
  items.push(
    {
      kind: 'checkbox',
      action: 'toggleStartAtLogin',
      label: 'Start at login',
      checked: opts.openAtLogin,
      enabled: opts.loginItemSupported,
    },
    { kind: 'separator' },
    { kind: 'action', action: 'quit', label: 'Quit Keybridge', enabled: true },
  );
  return items;
}
