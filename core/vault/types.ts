import type { StorageInfo } from '../api/contract';

/** Encryption at rest. Implementations: OS keyring key, file key (core), Electron safeStorage (shell). */
export interface Cipher {
  readonly info: StorageInfo;
  encrypt(plain: Buffer): Promise<Buffer>;
  decrypt(sealed: Buffer): Promise<Buffer>;
}

/** What the vault keeps: the only place the refresh token is written. */
export interface StoredSession {
  version: 1;
  accessToken: string;
  refreshToken: string;
  idToken?: string;
  /** Epoch milliseconds. */
  expiresAt: number;
  /** Epoch milliseconds of the sign-in or last refresh. */
  obtainedAt: number;
}
