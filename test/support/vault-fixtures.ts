/** Shared by the vault tests and the child process they SIGKILL: a session whose fields all derive from `n`. */
import { activeSession, singleAccount } from '../../core/vault/contents';
import type { StoredSession, VaultContents } from '../../core/vault/types';
import type { Vault } from '../../core/vault/vault';

/**
 * JWT-shaped and, by default, a few KB long like real OpenAI tokens. A larger `padding` makes each write take
 * longer, so a kill is more likely to land in the middle of one.
 */
export function sessionFor(n: number, padding = 1500): StoredSession {
  const pad = (tag: string) => `${tag}${n}.${'x'.repeat(padding)}.${n}`;
  return {
    version: 1,
    accessToken: `eyJhbGciOiJSUzI1NiJ9.${pad('access-')}`,
    refreshToken: `rt_${pad('refresh-')}`,
    idToken: `eyJhbGciOiJSUzI1NiJ9.${pad('id-')}`,
    expiresAt: 1_700_000_000_000 + n,
    obtainedAt: 1_600_000_000_000 + n,
  };
}

/** The `n` a session from sessionFor was made with. */
export function sessionNumber(s: StoredSession): number {
  return s.expiresAt - 1_700_000_000_000;
}

/**
 * A vault of two accounts whose sessions (and the second one's lastUsedAt) all derive from `n`; only the first
 * is padded, so the file is no slower to write than one session.
 */
export function vaultFor(n: number, padding = 1500): VaultContents {
  return {
    version: 2,
    activeAccountId: 'acc-1',
    accounts: {
      'acc-1': { session: sessionFor(n, padding) },
      'acc-2': { session: sessionFor(n, 100), lastUsedAt: n },
    },
  };
}

/** The `n` a vault from vaultFor was made with. */
export function vaultNumber(c: VaultContents): number {
  return sessionNumber(c.accounts['acc-1']!.session);
}

/**
 * A vault seen as the one session of its active account, as tests written before several accounts read it:
 * `load` gives the active account's session, `save` writes a vault holding just that session.
 */
export function activeSessionView(vault: Vault): {
  load(): Promise<StoredSession | null>;
  save(session: StoredSession): Promise<void>;
} {
  return {
    load: async () => activeSession(await vault.load()),
    save: (session) => vault.save(singleAccount(session)),
  };
}
