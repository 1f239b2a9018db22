/** When to refresh and how long to wait after a failure. Pure, so the numbers are unit-tested. */
import { backoffMs, type BackoffPolicy } from '../backoff';

const MIN = 60_000;

/**
 * Refresh ahead of expiry: a quarter of the token's lifetime, at most 5 minutes, minus up to 10 % of that
 * lead as jitter so many hosts (or restarts) do not hit the token endpoint in the same second.
 */
export function refreshDelayMs(
  t: { obtainedAt: number; expiresAt: number },
  now: number,
  random: () => number = Math.random,
): number {
  const lifetime = Math.max(0, t.expiresAt - t.obtainedAt);
  const lead = Math.min(5 * MIN, lifetime * 0.25);
  const jitter = lead * 0.1 * random();
  return clampTimer(t.expiresAt - lead - jitter - now);
}

/** A failed refresh: 2 s, 4 s, 8 s … 5 min, each somewhere in its upper half. */
const REFRESH_BACKOFF: BackoffPolicy = { firstMs: 2_000, maxMs: 5 * MIN, jitter: [0.5, 1] };

/**
 * Bounded exponential backoff (core/backoff.ts) with full jitter on the upper half: 2 s, 4 s, 8 s … capped at 5 minutes.
 * A server's Retry-After wins when it asks for longer (and is capped too).
 */
export function backoffDelayMs(
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const jittered = backoffMs(attempt, REFRESH_BACKOFF, random);
  const wanted = retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
  return clampTimer(Math.min(wanted, 5 * MIN));
}

/** setTimeout fires at once for delays over 2^31-1 ms; a token living that long is re-checked daily. */
export function clampTimer(ms: number): number {
  return Math.max(0, Math.min(ms, 24 * 60 * MIN));
}
