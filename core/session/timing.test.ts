import { describe, expect, it } from 'vitest';
import { backoffDelayMs, refreshDelayMs } from './timing';

describe('refresh timing', () => {
  it('refreshes an hour-long token 5 minutes (minus jitter) before expiry', () => {
    const t = { obtainedAt: 0, expiresAt: 3_600_000 };
    expect(refreshDelayMs(t, 0, () => 0)).toBe(3_300_000);
    expect(refreshDelayMs(t, 0, () => 1)).toBe(3_270_000);
  });

  it('refreshes a short-lived token a quarter of its life ahead', () => {
    expect(refreshDelayMs({ obtainedAt: 1000, expiresAt: 21_000 }, 1000, () => 0)).toBe(15_000);
  });

  it('refreshes at once when the token is already past its refresh point', () => {
    expect(refreshDelayMs({ obtainedAt: 0, expiresAt: 10_000 }, 20_000)).toBe(0);
  });

  it('backs off exponentially, bounded at 5 minutes, honouring a longer Retry-After', () => {
    expect(backoffDelayMs(0, undefined, () => 1)).toBe(2_000);
    expect(backoffDelayMs(3, undefined, () => 1)).toBe(16_000);
    expect(backoffDelayMs(50, undefined, () => 1)).toBe(300_000);
    expect(backoffDelayMs(0, 30_000, () => 1)).toBe(30_000);
    expect(backoffDelayMs(0, 3_600_000, () => 1)).toBe(300_000);
    expect(backoffDelayMs(2, undefined, () => 0)).toBe(4_000);
  });
});
