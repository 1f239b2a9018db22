import type { Credentials, SignInInfo, SignInMethod, Status } from '../api/contract';

/** The session as the host sees it. One instance per data folder; the only refresher. */
export interface SessionManager {
  /** Loads the vault (a broken vault is moved aside and reported as `error`), schedules the refresh. */
  start(): Promise<void>;
  status(): Status;
  /** Refreshes first (single-flight) when fewer than `minTtlSeconds` remain. Throws KeybridgeError. */
  credentials(minTtlSeconds?: number): Promise<Credentials>;
  /** Starts (or returns the already pending) sign-in; `device`: a code typed on the issuer's page. */
  login(opts?: { method?: SignInMethod }): Promise<SignInInfo>;
  /** Resolves when the pending sign-in ends in signedIn; throws its KeybridgeError otherwise. */
  waitForSignIn(): Promise<Status>;
  cancelSignIn(): boolean;
  /** A redirect URL from the scheme, `open-url` or paste. */
  openUrl(url: string): Promise<Status>;
  /** Revokes (best effort, short timeout), wipes the vault, signedOut. */
  logout(): Promise<{ revoked: boolean }>;
  onChange(listener: (status: Status) => void): () => void;
  close(): Promise<void>;
}
