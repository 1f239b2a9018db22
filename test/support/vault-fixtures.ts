/** Shared by the vault tests and the child process they SIGKILL: a session whose fields all derive from `n`. */
import type { StoredSession } from '../../core/vault/types';

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
