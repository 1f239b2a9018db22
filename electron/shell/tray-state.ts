/**
 * What the tray shows for a Status (and the accounts list): which of the five icons, the tooltip and the
 * status line of the menu. Pure, so the mapping is tested without Electron.
 */
import type { AccountList, Status } from '../../core/api/contract';
import { planLabel } from '../../core/account/plan-label';
import { blockingText, blockingWindow } from '../../core/account/usage-words';

export type TrayIconState = 'signed-out' | 'connected' | 'refreshing' | 'attention' | 'limited';
export const TRAY_ICON_STATES: readonly TrayIconState[] = [
  'signed-out',
  'connected',
  'refreshing',
  'attention',
  'limited',
];

/** "Weekly limit reached" when the active account has reached a limit; null otherwise. */
export function activeLimit(accounts: AccountList | null | undefined): string | null {
  const active = accounts?.accounts.find((a) => a.active);
  const blocking = blockingWindow(active?.usage);
  return blocking ? blockingText(blocking) : null;
}

/**
 * `signingIn` and `refreshing` are both "working on it"; `expired`, `error` and a signed-in session whose
 * last refresh failed (offline, server trouble) need the user to look; a signed-in account that reached a
 * usage limit is `limited` (it works again when the window resets, or after a switch).
 */
export function trayIconState(status: Status | undefined, accounts?: AccountList | null): TrayIconState {
  if (!status) return 'signed-out';
  switch (status.state) {
    case 'signedOut':
      return 'signed-out';
    case 'signingIn':
    case 'refreshing':
      return 'refreshing';
    case 'signedIn':
      if (status.lastError) return 'attention';
      return activeLimit(accounts) ? 'limited' : 'connected';
    case 'expired':
    case 'error':
      return 'attention';
  }
}

export { planLabel };

function who(status: Status): string {
  const email = status.account?.email ?? 'your account';
  const plan = planLabel(status.account?.planType);
  return plan ? `${email} · ${plan}` : email;
}

/**
 * "Keybridge — ada@example.com · Plus · gpt-5.1-codex" (with a selected model), "… · 5-hour limit reached"
 * when limited, or "… — signed out".
 */
export function trayTooltip(status: Status | undefined, accounts?: AccountList | null): string {
  if (!status) return 'Keybridge — starting…';
  switch (status.state) {
    case 'signedOut':
      return 'Keybridge — signed out';
    case 'signingIn':
      return 'Keybridge — signing in…';
    case 'signedIn':
    case 'refreshing':
      return `Keybridge — ${who(status)}${status.selectedModel ? ` · ${status.selectedModel}` : ''}${limitSuffix(accounts)}`;
    case 'expired':
      return 'Keybridge — sign in again';
    case 'error':
      return 'Keybridge — needs attention';
  }
}

function limitSuffix(accounts: AccountList | null | undefined): string {
  const limit = activeLimit(accounts);
  return limit ? ` · ${limit}` : '';
}

/** The first, disabled line of the tray menu. */
export function trayStatusLine(status: Status | undefined, accounts?: AccountList | null): string {
  if (!status) return 'Starting…';
  switch (status.state) {
    case 'signedOut':
      return 'Signed out';
    case 'signingIn':
      return 'Waiting for the browser…';
    case 'signedIn':
      if (status.lastError) return `${who(status)} — connection trouble`;
      return activeLimit(accounts)
        ? `${who(status)} — ${activeLimit(accounts)!.toLowerCase()}`
        : `Connected: ${who(status)}`;
    case 'refreshing':
      return `Refreshing: ${who(status)}`;
    case 'expired':
      return 'Session ended — sign in again';
    case 'error':
      return status.lastError
        ? `Problem: ${status.lastError.message}`
        : 'Problem — open Keybridge for details';
  }
}

/** Whether the session holds tokens (then the menu offers "Sign out"). */
export function isSignedIn(status: Status | undefined): boolean {
  return status?.state === 'signedIn' || status?.state === 'refreshing';
}

/**
 * The icon file for a state, relative to the tray icon folder. macOS draws monochrome template images
 * (`*Template.png`, black + alpha, recoloured by the menu bar); Windows and Linux get coloured PNGs, the
 * `-dark` set (light glyph) for dark taskbars and panels, the `-light` set (dark glyph) for light ones.
 * `@2x` companions sit beside each file and are picked up for high-DPI screens.
 */
export function trayIconFile(state: TrayIconState, platform: NodeJS.Platform, darkTheme: boolean): string {
  if (platform === 'darwin') return `${state}Template.png`;
  return `${state}-${darkTheme ? 'dark' : 'light'}.png`;
}
