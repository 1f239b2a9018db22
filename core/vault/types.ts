import type { StorageInfo } from '../api/contract';

/** Encryption at rest. Implementations: OS keyring key, file key (core), Electron safeStorage (shell). */
export interface Cipher {
  readonly info: StorageInfo;
  encrypt(plain: Buffer): Promise<Buffer>;
  decrypt(sealed: Buffer): Promise<Buffer>;
}

/** One account's tokens: the only place its refresh token is written. */
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

/** One signed-in account in the vault. */
export interface StoredAccount {
  session: StoredSession;
  /** Epoch milliseconds: when this account was last made active or handed a token out. */
  lastUsedAt?: number;
}

/**
 * What the vault keeps (vault JSON version 2): every signed-in account, keyed by its ChatGPT account id
 * (`default` for tokens that name none), and which one is active. Version 1 held one bare StoredSession;
 * it is read as one account and written back as version 2 (vault.ts).
 */
export interface VaultContents {
  version: 2;
  activeAccountId: string | null;
  accounts: Record<string, StoredAccount>;
}
