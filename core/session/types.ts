import type { Credentials, SignInInfo, Status } from '../api/contract';
import type { AccountRef } from './resolve';

/** The session as the host sees it. One instance per data folder; the only refresher, of every account. */
export interface SessionManager {
  /** Loads the vault (a broken vault is moved aside and reported as `error`), schedules the refreshes. */
  start(): Promise<void>;
  /** The active account's status, with how many other accounts are signed in. */
  status(): Status;
  /**
   * The credentials of `account` (an account id or email; default the active account). Refreshes first
   * (single-flight per account) when fewer than `minTtlSeconds` remain. Throws KeybridgeError.
   */
  credentials(minTtlSeconds?: number, account?: AccountRef): Promise<Credentials>;
  /** Starts (or returns the already pending) sign-in; signing in while signed in adds an account. */
  login(): Promise<SignInInfo>;
  /** Resolves when the pending sign-in ends in signedIn; throws its KeybridgeError otherwise. */
  waitForSignIn(): Promise<Status>;
  cancelSignIn(): boolean;
  /** A redirect URL from the scheme, `open-url` or paste. */
  openUrl(url: string): Promise<Status>;
  /** Signs out the active account, `account`, or `all`; revokes each (best effort, short timeout). */
  logout(opts?: { account?: AccountRef; all?: boolean }): Promise<{ revoked: boolean; signedOut: string[] }>;
  onChange(listener: (status: Status) => void): () => void;
  close(): Promise<void>;
}
