import { describe, expect, it } from 'vitest';
import { parseUsage } from './usage';
import { limitReached, namedWindows } from './usage-windows';

describe('usage windows by name', () => {
  it('names windows by their length: an account with only a weekly window has one window, weekly', () => {
    const only = parseUsage(
      {
        rate_limit: {
          primary_window: { used_percent: 61, limit_window_seconds: 604_800, reset_after_seconds: 60 },
          secondary_window: null,
        },
      },
      0,
    );
    expect(namedWindows(only)).toEqual([
      { name: 'weekly', usedPercent: 61, resetsAt: '1970-01-01T00:01:00.000Z' },
    ]);
    const both = parseUsage({
      rate_limit: {
        primary_window: { used_percent: 42, limit_window_seconds: 18_000 },
        secondary_window: { used_percent: 17, limit_window_seconds: 604_800 },
      },
    });
    expect(namedWindows(both).map((w) => w.name)).toEqual(['5h', 'weekly']);
  });

  it('reads a limit as reached when the server says so or a window is full', () => {
    const flagged = parseUsage({ rate_limit: { limit_reached: true, primary_window: { used_percent: 40 } } });
    expect(flagged.limitReached).toBe(true);
    expect(limitReached(flagged.limitReached, namedWindows(flagged))).toBe(true);
    const full = parseUsage({ rate_limit: { primary_window: { used_percent: 100 } } });
    expect(limitReached(full.limitReached, namedWindows(full))).toBe(true);
    const room = parseUsage({ rate_limit: { limit_reached: false, primary_window: { used_percent: 99 } } });
    expect(limitReached(room.limitReached, namedWindows(room))).toBe(false);
  });
});
