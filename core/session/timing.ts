/** When to refresh and how long to wait after a failure. Pure, so the numbers are unit-tested. */

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

/**
 * Bounded exponential backoff with full jitter on the upper half: 2 s, 4 s, 8 s … capped at 5 minutes.
 * A server's Retry-After wins when it asks for longer (and is capped too).
 */
export function backoffDelayMs(
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
): number {
  const base = Math.min(5 * MIN, 2_000 * 2 ** Math.max(0, Math.min(attempt, 20)));
  const jittered = base / 2 + (base / 2) * random();
  const wanted = retryAfterMs !== undefined && retryAfterMs > jittered ? retryAfterMs : jittered;
  return clampTimer(Math.min(wanted, 5 * MIN));
}

/** setTimeout fires at once for delays over 2^31-1 ms; a token living that long is re-checked daily. */
export function clampTimer(ms: number): number {
  return Math.max(0, Math.min(ms, 24 * 60 * MIN));
}
