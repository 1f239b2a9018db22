/**
 * Usage windows by name (docs/accounts.md "Usage"): the server's primary and secondary windows become '5h' and
 * 'weekly' by their length — an account that reports only one window (say only a weekly one) has one window,
 * named for what it is. A limit is reached when the server says `limit_reached` or a window is at 100 %.
 */
import type { AccountUsage, AccountUsageWindow, UsageWindow } from '../api/contract';

const DAY_SECONDS = 86_400;

export function windowName(w: UsageWindow, fallback: '5h' | 'weekly'): '5h' | 'weekly' {
  if (typeof w.windowSeconds === 'number') return w.windowSeconds >= DAY_SECONDS ? 'weekly' : '5h';
  return fallback;
}

export function namedWindows(u: { primary?: UsageWindow; secondary?: UsageWindow }): AccountUsageWindow[] {
  const out: AccountUsageWindow[] = [];
  const add = (w: UsageWindow | undefined, fallback: '5h' | 'weekly') => {
    if (!w) return;
    const named: AccountUsageWindow = { name: windowName(w, fallback), usedPercent: w.usedPercent };
    if (w.resetsAt) named.resetsAt = w.resetsAt;
    out.push(named);
  };
  add(u.primary, '5h');
  add(u.secondary, 'weekly');
  return out;
}

export function limitReached(limitReachedFlag: boolean | undefined, windows: AccountUsageWindow[]): boolean {
  return limitReachedFlag === true || windows.some((w) => w.usedPercent >= 100);
}

/** The share of the most used window: how little room an account has (lower is more room). */
export function tightestPercent(u: AccountUsage): number {
  return u.windows.reduce((max, w) => Math.max(max, w.usedPercent), 0);
}

/** When the first window at its limit resets (for "all accounts are at their limit"), if known. */
export function firstReset(usages: AccountUsage[]): string | undefined {
  const times = usages
    .flatMap((u) => u.windows.filter((w) => w.usedPercent >= 100 || u.limitReached))
    .map((w) => w.resetsAt)
    .filter((t): t is string => typeof t === 'string')
    .sort();
  return times[0];
}
