/** Choices about the set of accounts, as pure functions: what the vault holds, who takes over from whom. */
import type { StoredSession, VaultContents } from '../vault/types';
import type { AccountSession } from './account-session';

/** Tokens about to become an account's (written before the account takes them), maybe making it active. */
export interface PendingTokens {
  id: string;
  tokens: StoredSession;
  makeActive?: boolean;
}

/**
 * The vault's contents: every account that has tokens (an ended or signed-out one has none to keep) and the
 * active one; `pending` in place of what its account holds now. Null when no account is left (the vault is
 * then removed).
 */
export function vaultContentsOf(
  accounts: Iterable<AccountSession>,
  activeId: string | null,
  pending: PendingTokens | undefined,
  now: number,
): VaultContents | null {
  const out: VaultContents['accounts'] = {};
  const all = [...accounts];
  for (const a of all) {
    const tokens = a.tokens;
    if (tokens)
      out[a.id] =
        a.lastUsedAt === undefined ? { session: tokens } : { session: tokens, lastUsedAt: a.lastUsedAt };
  }
  if (pending) {
    const lastUsedAt = pending.makeActive ? now : all.find((a) => a.id === pending.id)?.lastUsedAt;
    out[pending.id] =
      lastUsedAt === undefined ? { session: pending.tokens } : { session: pending.tokens, lastUsedAt };
  }
  if (Object.keys(out).length === 0) return null;
  const wanted = pending?.makeActive ? pending.id : activeId;
  return { version: 2, activeAccountId: wanted !== null && wanted in out ? wanted : null, accounts: out };
}

/** The remaining account used last, signed-in ones first: the one that becomes active when the active one goes. */
export function mostRecentlyUsed(accounts: Iterable<AccountSession>): AccountSession | null {
  const all = [...accounts].filter((a) => a.current.kind !== 'signedOut');
  const live = all.filter((a) => a.tokens);
  const pool = live.length > 0 ? live : all;
  pool.sort((a, b) => (b.lastUsedAt ?? 0) - (a.lastUsedAt ?? 0));
  return pool[0] ?? null;
}
