/**
 * Words for usage limits, shared by the renderer and the tray and its notifications (like plan-label.ts):
 * what a named window is called, which one blocks an account, and the title of a usage notice. Pure and
 * free of imports beyond types, so both bundles stay light.
 */
import type { AccountUsageWindow } from '../api/contract';

type UsageWindowName = AccountUsageWindow['name'];

export type NamedWindow = { name: UsageWindowName; usedPercent: number; resetsAt?: string };

/** "5-hour limit" / "Weekly limit" for a window the host named by its length. */
export function namedWindowLabel(name: UsageWindowName): string {
  return name === '5h' ? '5-hour limit' : 'Weekly limit';
}

/**
 * Which window stops the account when a limit is reached: the one at 100 % (the longer one when both are,
 * since it resets last), else the fullest. Null when no limit is reached.
 */
export function blockingWindow(
  usage: { limitReached?: boolean; windows?: NamedWindow[] } | undefined,
): NamedWindow | null {
  const windows = usage?.windows ?? [];
  const full = windows.filter((w) => w.usedPercent >= 100);
  if (full.length > 0) return full.find((w) => w.name === 'weekly') ?? full[0]!;
  if (!usage?.limitReached) return null;
  return fullestWindow(windows);
}

/** "Weekly limit reached" — what the UI says is blocking. */
export function blockingText(w: NamedWindow): string {
  return `${namedWindowLabel(w.name)} reached`;
}

/** The fullest window: the one a small bar in the account list shows. */
export function fullestWindow(windows: NamedWindow[] | undefined): NamedWindow | null {
  if (!windows || windows.length === 0) return null;
  return windows.reduce((a, b) => (b.usedPercent > a.usedPercent ? b : a));
}

/** The short title of a `usage.notice`; the host's message follows it. */
export function noticeTitle(n: {
  kind: 'threshold' | 'reset' | 'switched' | 'allLimited';
  email: string | null;
  window?: UsageWindowName;
  percent?: number;
}): string {
  const window = n.window ? namedWindowLabel(n.window) : 'Usage limit';
  switch (n.kind) {
    case 'threshold':
      return `${n.percent !== undefined ? `${Math.round(n.percent)}%` : 'Most'} of the ${window.charAt(0).toLowerCase()}${window.slice(1)} used`;
    case 'reset':
      return `${window} reset`;
    case 'switched':
      return `Switched to ${n.email ?? 'another account'}`;
    case 'allLimited':
      return 'Every account is at its limit';
  }
}

/** Notices that stop work (every account limited) or come close (95 %) look like warnings. */
export function noticeIsWarning(n: { kind: string; percent?: number }): boolean {
  return n.kind === 'allLimited' || (n.kind === 'threshold' && (n.percent ?? 0) >= 95);
}
