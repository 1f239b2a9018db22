/**
 * Words for the usage windows: which window a bar is ("5-hour limit", "Weekly limit") and how worried its
 * colour should be. Pure, so the wording is tested once.
 */
import type { UsageWindow } from '../../core/api/contract';
import { namedWindowLabel, type NamedWindow } from '../../core/account/usage-words';
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

/** A usage bar as the UI draws it, from either shape the host answers with. */
export interface UsageBarData {
  key: string;
  label: string;
  usedPercent: number;
  resetsAt?: string;
}

/**
 * The bars to draw: the named windows when the host sends them (an account with only a weekly window gets
 * one bar, "Weekly limit"), otherwise the primary and secondary windows labelled by their length.
 */
export function usageBars(usage: {
  primary?: UsageWindow;
  secondary?: UsageWindow;
  windows?: NamedWindow[];
}): UsageBarData[] {
  if (usage.windows) {
    return usage.windows.map((w) => ({
      key: w.name,
      label: namedWindowLabel(w.name),
      usedPercent: w.usedPercent,
      ...(w.resetsAt ? { resetsAt: w.resetsAt } : {}),
    }));
  }
  const out: UsageBarData[] = [];
  for (const which of ['primary', 'secondary'] as const) {
    const w = usage[which];
    if (!w) continue;
    out.push({
      key: which,
      label: usageWindowLabel(w.windowSeconds, which),
      usedPercent: w.usedPercent,
      ...(w.resetsAt ? { resetsAt: w.resetsAt } : {}),
    });
  }
  return out;
}

export {
  blockingText,
  blockingWindow,
  fullestWindow,
  namedWindowLabel,
  noticeIsWarning,
  noticeTitle,
} from '../../core/account/usage-words';
