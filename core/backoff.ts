/**
 * The one backoff of Keybridge: bounded exponential delays with jitter, so many clients that lost the same
 * host (or one session that keeps failing to refresh) do not retry in lockstep. Dependency-free: the session,
 * `keybridge/client` and the browser UI's WebSocket use it alike.
 */

export interface BackoffPolicy {
  /** The delay of the first retry, before jitter. */
  firstMs: number;
  /** The longest delay, before jitter. */
  maxMs: number;
  /** The delay is multiplied by a random factor in [low, high). */
  jitter: readonly [low: number, high: number];
}

/** Retry number `attempt` (0 first): firstMs·2^attempt, capped at maxMs, times the jitter factor. */
export function backoffMs(
  attempt: number,
  policy: BackoffPolicy,
  random: () => number = Math.random,
): number {
  const base = Math.min(policy.maxMs, policy.firstMs * 2 ** Math.max(0, Math.min(attempt, 30)));
  const [low, high] = policy.jitter;
  return Math.round(base * (low + (high - low) * random()));
}
