/**
 * The session rendered for the transports: the Status of the active account (with how many others there are)
 * and each account's entry in the list. Pure functions of the state, so `status()` stays one exhaustive switch.
 */
import type { AccountInfo, ErrorInfo, SignInInfo, SignInMethod, Status, StorageInfo } from '../api/contract';
import type { SignInAttempt } from '../auth/types';
import type { AccountSession, AccountState } from './account-session';
import type { AccountEntry } from './credentials';

/** The host's state as the status needs it (session.ts SessionState, with the pending attempt). */
export type StatusSource =
  | { kind: 'starting' }
  | { kind: 'error'; error: ErrorInfo }
  | { kind: 'running'; signIn: SignInAttempt | null; lastError: ErrorInfo | null };

export function statusOf(
  storage: StorageInfo,
  s: StatusSource,
  active: AccountSession | null,
  otherAccounts: number,
): Status {
  const base = { storage };
  if (s.kind === 'starting') return { ...base, state: 'signedOut' };
  if (s.kind === 'error') return { ...base, state: 'error', lastError: s.error };
  const signIn = s.signIn ? { signIn: signInInfo(s.signIn) } : {};
  if (!active) {
    const lastError = s.lastError ?? undefined;
    return s.signIn
      ? { ...base, state: 'signingIn', ...signIn, lastError }
      : { ...base, state: 'signedOut', lastError };
  }
  const a = active.current;
  switch (a.kind) {
    case 'signedIn':
    case 'refreshing':
      return {
        ...base,
        state: a.kind,
        account: a.account,
        expiresAt: iso(a.tokens.expiresAt),
        lastRefreshAt: iso(a.tokens.obtainedAt),
        otherAccounts,
        ...signIn,
        lastError: a.lastError ?? s.lastError ?? undefined,
      };
    case 'expired':
      // "Sign in again" pressed: the sign-in is what the user waits for now, as it is with no account at all.
      if (s.signIn)
        return {
          ...base,
          state: 'signingIn',
          account: a.account,
          otherAccounts,
          ...signIn,
          lastError: a.error,
        };
      return { ...base, state: 'expired', account: a.account, otherAccounts, lastError: a.error };
    case 'signedOut':
      return { ...base, state: s.signIn ? 'signingIn' : 'signedOut', otherAccounts, ...signIn };
    default:
      return assertNever(a);
  }
}

export function entryOf(a: AccountSession, active: boolean): AccountEntry {
  const s: AccountState = a.current;
  const info: AccountInfo = s.account;
  const entry: AccountEntry = {
    accountId: a.id,
    email: info.email,
    planType: info.planType,
    active,
    state: s.kind,
  };
  if (a.lastUsedAt !== undefined) entry.lastUsedAt = iso(a.lastUsedAt);
  if (s.kind === 'expired') entry.lastError = s.error;
  else if ((s.kind === 'signedIn' || s.kind === 'refreshing') && s.lastError) entry.lastError = s.lastError;
  return entry;
}

export function signInInfo(a: SignInAttempt): SignInInfo {
  const info: SignInInfo = {
    url: a.url,
    redirectUri: a.redirectUri,
    startedAt: iso(a.startedAt),
    expiresAt: iso(a.expiresAt),
  };
  // The device_auth_id stays in the OAuth client: only the page and the code the user types go out.
  if (a.device) {
    info.method = 'device';
    info.verificationUrl = a.device.verificationUrl;
    info.userCode = a.device.userCode;
  }
  return info;
}

export function methodOf(a: SignInAttempt): SignInMethod {
  return a.device ? 'device' : 'browser';
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function assertNever(x: never): never {
  throw new Error(`unhandled account state ${JSON.stringify(x)}`);
}
