/**
 * `state` handling (RFC 6749 §10.12): compared in constant time, and each value honoured at most once.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** Constant-time string equality (hashing first so lengths leak nothing either). */
export function constantTimeEqual(a: string, b: string): boolean {
  const ha = createHash('sha256').update(a, 'utf8').digest();
  const hb = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(ha, hb);
}

export type RetiredReason = 'used' | 'ended';

/**
 * States of attempts that are over: `used` (a redirect with it was accepted — any later one is a replay)
 * or `ended` (the attempt timed out, was cancelled or replaced). Bounded: old entries fall off.
 */
export class RetiredStates {
  private readonly entries = new Map<string, RetiredReason>();

  constructor(private readonly limit = 64) {}

  retire(state: string, reason: RetiredReason): void {
    this.entries.delete(state);
    this.entries.set(state, reason);
    while (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Why `state` is no longer accepted, or undefined when it was never seen. Constant-time per entry. */
  reason(state: string): RetiredReason | undefined {
    let found: RetiredReason | undefined;
    for (const [s, r] of this.entries) if (constantTimeEqual(s, state)) found = r;
    return found;
  }
}
