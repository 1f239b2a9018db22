/** What the session tells the rest of the host about accounts and their tokens (no refresh token, ever). */
import type { ErrorInfo, Status } from '../api/contract';

/** Why an account's tokens changed, as every listener hears it (`switched`: the active account changed). */
export type CredentialsReason = 'restored' | 'signedIn' | 'refreshed' | 'signedOut' | 'expired' | 'switched';

/**
 * An account's access token as the host hands it on (to tools through the broker, to Codex CLI's auth.json).
 * Never the refresh token: it stays in the session and the vault.
 */
export interface SessionCredentials {
  accessToken: string;
  idToken?: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms: when these tokens were obtained (sign-in or refresh). */
  obtainedAt: number;
  accountId: string | null;
  planType: string | null;
}

/** Which account a credentials change is about, and whether it is the active one now. */
export interface CredentialsScope {
  accountId: string;
  active: boolean;
}

export type CredentialsListener = (
  credentials: SessionCredentials | null,
  reason: CredentialsReason,
  scope: CredentialsScope,
) => void;

/** One account as the UI and the CLI list it (no token). */
export interface AccountEntry {
  accountId: string;
  email: string | null;
  planType: string | null;
  active: boolean;
  state: Status['state'];
  lastUsedAt?: string;
  lastError?: ErrorInfo;
}
