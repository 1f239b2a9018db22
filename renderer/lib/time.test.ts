import { describe, expect, it } from 'vitest';
import {
  formatAgo,
  formatCountdown,
  formatDuration,
  formatRefreshesIn,
  formatResetsIn,
  REFRESH_MARGIN_MS,
} from './time';

const MIN = 60_000;
const HOUR = 60 * MIN;
const now = Date.parse('2025-06-01T12:00:00Z');
const at = (ms: number) => new Date(now + ms).toISOString();

describe('formatDuration', () => {
  it('uses hours and minutes, dropping a zero part', () => {
    expect(formatDuration(3 * HOUR + 12 * MIN)).toBe('3 h 12 min');
    expect(formatDuration(2 * HOUR)).toBe('2 h');
    expect(formatDuration(12 * MIN + 59_000)).toBe('12 min');
    expect(formatDuration(26 * HOUR)).toBe('1 d 2 h');
    expect(formatDuration(48 * HOUR + 5 * MIN)).toBe('2 d');
    expect(formatDuration(30_000)).toBe('less than a minute');
    expect(formatDuration(-5)).toBe('less than a minute');
    expect(formatDuration(Number.NaN)).toBe('less than a minute');
  });
});

describe('formatRefreshesIn', () => {
  it('counts to the refresh, a few minutes before expiry', () => {
    expect(formatRefreshesIn(at(3 * HOUR + 12 * MIN + REFRESH_MARGIN_MS), now)).toBe(
      'refreshes in 3 h 12 min',
    );
  });
  it('says the refresh is due once inside the margin or past expiry', () => {
    expect(formatRefreshesIn(at(REFRESH_MARGIN_MS + 30_000), now)).toBe('refresh due now');
    expect(formatRefreshesIn(at(-HOUR), now)).toBe('refresh due now');
  });
  it('has nothing to say without a valid expiry', () => {
    expect(formatRefreshesIn(undefined, now)).toBeNull();
    expect(formatRefreshesIn('not a date', now)).toBeNull();
  });
});

describe('formatResetsIn', () => {
  it('names the time to the reset', () => {
    expect(formatResetsIn(at(2 * HOUR), now)).toBe('resets in 2 h');
    expect(formatResetsIn(at(2 * HOUR + 30 * MIN), now)).toBe('resets in 2 h 30 min');
    expect(formatResetsIn(at(10_000), now)).toBe('resets in less than a minute');
    expect(formatResetsIn(undefined, now)).toBeNull();
  });
});

describe('formatCountdown and formatAgo', () => {
  it('counts down with seconds', () => {
    expect(formatCountdown(9 * MIN + 41_500)).toBe('9 min 41 s');
    expect(formatCountdown(41_000)).toBe('41 s');
    expect(formatCountdown(-1)).toBe('0 s');
  });
  it('says how long ago', () => {
    expect(formatAgo(at(-10_000), now)).toBe('just now');
    expect(formatAgo(at(-12 * MIN), now)).toBe('12 min ago');
    expect(formatAgo(at(-3 * HOUR - 5 * MIN), now)).toBe('3 h ago');
    expect(formatAgo(at(-50 * HOUR), now)).toBe('2 d ago');
    expect(formatAgo(undefined, now)).toBeNull();
  });
});
