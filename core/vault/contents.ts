/**
 * The vault's JSON (types.ts VaultContents) and the one migration it has: a version-1 vault held one bare
 * session, which becomes the one (and active) account of a version-2 vault, keyed by the account id its
 * tokens name. Nothing is dropped: the session is kept as it was.
 */
import { z } from 'zod';
import { accountFromTokens } from '../account/claims';
import type { StoredAccount, StoredSession, VaultContents } from './types';

/** The key of an account whose tokens name no ChatGPT account id. */
export const NO_ACCOUNT_ID = 'default';

export const StoredSessionSchema = z.object({
  version: z.literal(1),
  accessToken: z.string().min(1),
  refreshToken: z.string(),
  idToken: z.string().optional(),
  expiresAt: z.number().finite(),
  obtainedAt: z.number().finite(),
});

const StoredAccountSchema = z.object({
  session: StoredSessionSchema,
  lastUsedAt: z.number().finite().optional(),
});

export const VaultContentsSchema = z
  .object({
    version: z.literal(2),
    activeAccountId: z.string().min(1).nullable(),
    accounts: z.record(z.string().min(1).max(320), StoredAccountSchema),
  })
  .refine((c) => c.activeAccountId === null || c.activeAccountId in c.accounts, {
    message: 'the active account is not among the accounts',
    path: ['activeAccountId'],
  });

// Compile-time checks that the schemas and the interfaces describe the same shapes.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const _session: Same<z.infer<typeof StoredSessionSchema>, StoredSession> = true;
const _account: Same<z.infer<typeof StoredAccountSchema>, StoredAccount> = true;
const _contents: Same<z.infer<typeof VaultContentsSchema>, VaultContents> = true;
void _session;
void _account;
void _contents;

/** The account id a session's tokens name (the key it is stored under). */
export function accountKeyOf(session: StoredSession): string {
  return accountFromTokens(session).accountId ?? NO_ACCOUNT_ID;
}

/** A vault holding just `session`, active. */
export function singleAccount(session: StoredSession, lastUsedAt?: number): VaultContents {
  const id = accountKeyOf(session);
  return {
    version: 2,
    activeAccountId: id,
    accounts: { [id]: lastUsedAt === undefined ? { session } : { session, lastUsedAt } },
  };
}

/** The active account's session, or null (no vault, no active account). */
export function activeSession(contents: VaultContents | null): StoredSession | null {
  if (!contents?.activeAccountId) return null;
  return contents.accounts[contents.activeAccountId]?.session ?? null;
}

/**
 * Decrypted JSON → contents: version 2 as it is, version 1 migrated. `migrated` tells the caller to write it
 * back in the new format. Null when it is neither (the vault calls that broken).
 */
export function parseVaultJson(json: unknown): { contents: VaultContents; migrated: boolean } | null {
  const v2 = VaultContentsSchema.safeParse(json);
  if (v2.success) return { contents: v2.data, migrated: false };
  const v1 = StoredSessionSchema.safeParse(json);
  if (v1.success) return { contents: singleAccount(v1.data), migrated: true };
  return null;
}
