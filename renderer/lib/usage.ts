/**
 * Words for the usage windows: which window a bar is ("5-hour limit", "Weekly limit") and how worried its
 * colour should be. Pure, so the wording is tested once.
 */
import { formatDuration } from './time';

const HOUR_S = 3600;
const DAY_S = 24 * HOUR_S;

/** The window's name from its length; the server's primary window is the short one, the secondary the long one. */
export function usageWindowLabel(windowSeconds: number | undefined, which: 'primary' | 'secondary'): string {
  if (!windowSeconds || windowSeconds <= 0) return which === 'primary' ? 'Short-term limit' : 'Weekly limit';
  if (windowSeconds === 7 * DAY_S) return 'Weekly limit';
  if (windowSeconds === DAY_S) return 'Daily limit';
  if (windowSeconds % DAY_S === 0) return `${windowSeconds / DAY_S}-day limit`;
  if (windowSeconds % HOUR_S === 0) return `${windowSeconds / HOUR_S}-hour limit`;
  return `${formatDuration(windowSeconds * 1000)} limit`;
}

export type UsageTone = 'ok' | 'warn' | 'full';

/** Calm below 75 %, a warning from 75 %, "full" from 95 %. */
export function usageTone(usedPercent: number): UsageTone {
  if (usedPercent >= 95) return 'full';
  if (usedPercent >= 75) return 'warn';
  return 'ok';
}

/** "42% used" — whole numbers, never below 0 or above 100. */
export function formatUsed(usedPercent: number): string {
  const p = Math.round(Math.min(100, Math.max(0, usedPercent)));
  return `${p}% used`;
}
