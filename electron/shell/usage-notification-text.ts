/** What a usage notification says (80/95 %, a reset, a switch, every account limited): pure, tested without Electron. */
import type { UsageNotice } from '../../core/api/contract';
import { noticeTitle } from '../../core/account/usage-words';

/** "in 2 h 5 min", "in 3 days": how long until `resetsAt`; null when unknown or past. */
export function untilText(resetsAt: string | undefined, now: number): string | null {
  const t = resetsAt ? Date.parse(resetsAt) : NaN;
  if (Number.isNaN(t) || t <= now) return null;
  const minutes = Math.ceil((t - now) / 60_000);
  if (minutes < 60) return `in ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `in ${hours} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
  return `in ${Math.round(hours / 24)} days`;
}

/** The notification's title and body: the host's message, and when every account is limited, when that ends. */
export function usageNotification(notice: UsageNotice, now: number): { title: string; body: string } {
  const until = notice.kind === 'allLimited' ? untilText(notice.resetsAt, now) : null;
  return {
    title: noticeTitle(notice),
    body: until !== null ? `${notice.message} The first limit resets ${until}.` : notice.message,
  };
}

/**
 * Which earlier notification a new one replaces: the same account, kind and window (80 % then 95 % of the
 * 5-hour window is one notification that moves on, not two).
 */
export function noticeKey(notice: UsageNotice): string {
  return `${notice.accountId}|${notice.kind === 'reset' ? 'threshold' : notice.kind}|${notice.window ?? ''}`;
}
