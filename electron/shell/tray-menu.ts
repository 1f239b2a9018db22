/**
 * The tray menu as data: tray.ts turns it into an Electron Menu and binds the actions. Pure, so which
 * entries a user sees in which state is tested without Electron.
 */
import type { Status } from '../../core/api/contract';
import { isSignedIn, trayStatusLine } from './tray-state';

export type TrayAction =
  'signIn' | 'cancelSignIn' | 'signOut' | 'open' | 'toggleStartAtLogin' | 'toggleCodexSharing' | 'quit';

export type TrayMenuItem =
  | { kind: 'status'; label: string }
  | { kind: 'separator' }
  | { kind: 'action'; action: TrayAction; label: string; enabled: boolean }
  | { kind: 'checkbox'; action: TrayAction; label: string; checked: boolean; enabled: boolean };

export interface TrayMenuOptions {
  openAtLogin: boolean;
  /** False where the platform offers no way to start at login (then the entry is shown disabled). */
  loginItemSupported: boolean;
  /** True while a tray action is running (sign-in starting, sign-out revoking): no second click meanwhile. */
  busy?: boolean;
  /** Sharing with Codex CLI is on; undefined: not known yet (no entry). */
  codexSharing?: boolean;
}

export function trayMenuModel(status: Status | undefined, opts: TrayMenuOptions): TrayMenuItem[] {
  const ready = status !== undefined && !opts.busy;
  const items: TrayMenuItem[] = [{ kind: 'status', label: trayStatusLine(status) }, { kind: 'separator' }];
  if (isSignedIn(status)) {
    items.push({ kind: 'action', action: 'signOut', label: 'Sign out…', enabled: ready });
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
