import { describe, expect, it } from 'vitest';
import {
  blockingText,
  blockingWindow,
  formatUsed,
  fullestWindow,
  noticeIsWarning,
  noticeTitle,
  usageBars,
  usageTone,
  usageWindowLabel,
} from './usage';

describe('usage wording', () => {
  it('names the windows by their length', () => {
    expect(usageWindowLabel(18_000, 'primary')).toBe('5-hour limit');
    expect(usageWindowLabel(604_800, 'secondary')).toBe('Weekly limit');
    expect(usageWindowLabel(86_400, 'secondary')).toBe('Daily limit');
    expect(usageWindowLabel(3 * 86_400, 'secondary')).toBe('3-day limit');
    expect(usageWindowLabel(5_400, 'primary')).toBe('1 h 30 min limit');
    expect(usageWindowLabel(undefined, 'primary')).toBe('Short-term limit');
    expect(usageWindowLabel(undefined, 'secondary')).toBe('Weekly limit');
  });

  it('warns as a window fills up', () => {
    expect(usageTone(0)).toBe('ok');
    expect(usageTone(74.9)).toBe('ok');
    expect(usageTone(75)).toBe('warn');
    expect(usageTone(95)).toBe('full');
    expect(formatUsed(41.6)).toBe('42% used');
    expect(formatUsed(130)).toBe('100% used');
  });
});

describe('usage of several accounts', () => {
  const soon = '2030-01-01T00:00:00.000Z';

  it('draws only the windows the host names: a weekly-only account has one bar, "Weekly limit"', () => {
    expect(usageBars({ windows: [{ name: 'weekly', usedPercent: 30, resetsAt: soon }] })).toEqual([
      { key: 'weekly', label: 'Weekly limit', usedPercent: 30, resetsAt: soon },
    ]);
    // Without names, by length as before; a lone long primary window is still weekly.
    expect(usageBars({ primary: { usedPercent: 30, windowSeconds: 604_800 } })).toEqual([
      { key: 'primary', label: 'Weekly limit', usedPercent: 30 },
    ]);
    expect(
      usageBars({ primary: { usedPercent: 1, windowSeconds: 18_000 }, secondary: { usedPercent: 2 } }).map(
        (b) => b.label,
      ),
    ).toEqual(['5-hour limit', 'Weekly limit']);
  });

  it('says which limit blocks: the full window, the weekly one when both are full, none when not limited', () => {
    const fiveFull = {
      limitReached: true,
      windows: [
        { name: '5h' as const, usedPercent: 100 },
        { name: 'weekly' as const, usedPercent: 40 },
      ],
    };
    expect(blockingWindow(fiveFull)?.name).toBe('5h');
    expect(blockingText(blockingWindow(fiveFull)!)).toBe('5-hour limit reached');
    const both = {
      limitReached: true,
      windows: [
        { name: '5h' as const, usedPercent: 100 },
        { name: 'weekly' as const, usedPercent: 100 },
      ],
    };
    expect(blockingWindow(both)?.name).toBe('weekly');
    // The server says limit_reached before a window shows 100 %: the fullest one blocks.
    const flagged = {
      limitReached: true,
      windows: [
        { name: '5h' as const, usedPercent: 20 },
        { name: 'weekly' as const, usedPercent: 99 },
      ],
    };
    expect(blockingText(blockingWindow(flagged)!)).toBe('Weekly limit reached');
    expect(blockingWindow({ limitReached: false, windows: [{ name: '5h', usedPercent: 99 }] })).toBeNull();
    expect(blockingWindow(undefined)).toBeNull();
    expect(fullestWindow(flagged.windows)?.name).toBe('weekly');
    expect(fullestWindow([])).toBeNull();
  });

  it('titles each kind of usage notice', () => {
    const base = { accountId: 'a', email: 'ada@example.com' };
    expect(noticeTitle({ ...base, kind: 'threshold', window: '5h', percent: 80 })).toBe(
      '80% of the 5-hour limit used',
    );
    expect(noticeTitle({ ...base, kind: 'threshold', window: 'weekly', percent: 95.4 })).toBe(
      '95% of the weekly limit used',
    );
    expect(noticeTitle({ ...base, kind: 'reset', window: 'weekly' })).toBe('Weekly limit reset');
    expect(noticeTitle({ ...base, kind: 'switched' })).toBe('Switched to ada@example.com');
    expect(noticeTitle({ ...base, kind: 'allLimited' })).toBe('Every account is at its limit');
    expect(noticeIsWarning({ kind: 'threshold', percent: 80 })).toBe(false);
    expect(noticeIsWarning({ kind: 'threshold', percent: 95 })).toBe(true);
    expect(noticeIsWarning({ kind: 'allLimited' })).toBe(true);
  });
});
