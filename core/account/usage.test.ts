import { describe, expect, it } from 'vitest';
import { parseUsage } from './usage';

const NOW = Date.parse('2030-01-01T12:00:00Z');

describe('parseUsage', () => {
  it('reads the 5-hour and weekly windows with their reset times', () => {
    const u = parseUsage(
      {
        email: 'ada@example.com',
        plan_type: 'plus',
        rate_limit: {
          allowed: true,
          primary_window: {
            used_percent: 42,
            limit_window_seconds: 18_000,
            reset_after_seconds: 7_800,
            reset_at: NOW / 1000 + 7_800,
          },
          secondary_window: {
            used_percent: 17.5,
            limit_window_seconds: 604_800,
            reset_after_seconds: 277_200,
            reset_at: NOW / 1000 + 277_200,
          },
        },
        credits: { has_credits: false },
      },
      NOW,
    );
    expect(u).toEqual({
      planType: 'plus',
      primary: { usedPercent: 42, windowSeconds: 18_000, resetsAt: '2030-01-01T14:10:00.000Z' },
      secondary: { usedPercent: 17.5, windowSeconds: 604_800, resetsAt: '2030-01-04T17:00:00.000Z' },
    });
  });

  it('takes reset_at in milliseconds or as a date string, else counts reset_after_seconds from now', () => {
    const w = (extra: object) =>
      parseUsage({ rate_limit: { primary_window: { used_percent: 1, ...extra } } }, NOW).primary?.resetsAt;
    expect(w({ reset_at: NOW + 60_000 })).toBe('2030-01-01T12:01:00.000Z');
    expect(w({ reset_at: '2030-01-02T00:00:00Z' })).toBe('2030-01-02T00:00:00.000Z');
    expect(w({ reset_at: 'soon', reset_after_seconds: 120 })).toBe('2030-01-01T12:02:00.000Z');
    expect(w({ reset_at: null, reset_after_seconds: 3600 })).toBe('2030-01-01T13:00:00.000Z');
    expect(w({})).toBeUndefined();
  });

  it('tolerates missing and unknown fields: no rate_limit is no windows, not an error', () => {
    expect(parseUsage({}, NOW)).toEqual({});
    expect(parseUsage({ plan_type: 'pro', rate_limit: null }, NOW)).toEqual({ planType: 'pro' });
    expect(
      parseUsage(
        {
          plan_type: 42,
          rate_limit: {
            primary_window: { used_percent: 'a lot' },
            secondary_window: { used_percent: 3, limit_window_seconds: 'week', surprise: true },
          },
        },
        NOW,
      ),
    ).toEqual({ secondary: { usedPercent: 3 } });
  });

  it('keeps percentages between 0 and 100', () => {
    const u = parseUsage(
      { rate_limit: { primary_window: { used_percent: 130 }, secondary_window: { used_percent: -5 } } },
      NOW,
    );
    expect(u.primary?.usedPercent).toBe(100);
    expect(u.secondary?.usedPercent).toBe(0);
  });

  it('refuses only a body that is not an object', () => {
    expect(() => parseUsage('nope', NOW)).toThrow(/not a JSON object/);
    expect(() => parseUsage(null, NOW)).toThrow();
  });
});
