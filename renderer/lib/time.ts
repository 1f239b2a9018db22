/**
 * Pure time formatting for the popover. Every function takes `now` so tests (and the 30 s ticker) decide
 * what "now" is.
 */

/**
 * The session manager refreshes a little before the access token expires; the UI subtracts the same
 * margin so "refreshes in …" names the refresh, not the expiry.
 */
export const REFRESH_MARGIN_MS = 5 * 60_000;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** "2 d 4 h", "3 h 12 min", "2 h", "12 min", "less than a minute". Rounds down. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < MINUTE) return 'less than a minute';
  const days = Math.floor(ms / DAY);
  const hours = Math.floor((ms % DAY) / HOUR);
  const minutes = Math.floor((ms % HOUR) / MINUTE);
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return minutes > 0 ? `${hours} h ${minutes} min` : `${hours} h`;
  return `${minutes} min`;
}

function parse(iso: string | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
}

/** "refreshes in 3 h 12 min" from the access token's expiry; "refresh due now" once the margin is reached. */
export function formatRefreshesIn(expiresAt: string | undefined, now: number): string | null {
  const t = parse(expiresAt);
  if (t === null) return null;
  const left = t - REFRESH_MARGIN_MS - now;
  if (left < MINUTE) return 'refresh due now';
  return `refreshes in ${formatDuration(left)}`;
}

/** "resets in 2 h" for a usage window's reset time. */
export function formatResetsIn(resetAt: string | undefined, now: number): string | null {
  const t = parse(resetAt);
  if (t === null) return null;
  const left = t - now;
  if (left < MINUTE) return 'resets in less than a minute';
  return `resets in ${formatDuration(left)}`;
}

/** A countdown with seconds for short waits: "9 min 41 s", "41 s", "0 s". */
export function formatCountdown(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  const seconds = total % 60;
  return minutes > 0 ? `${minutes} min ${seconds} s` : `${seconds} s`;
}

/** "just now", "12 min ago", "3 h ago", "2 d ago". */
export function formatAgo(iso: string | undefined, now: number): string | null {
  const t = parse(iso);
  if (t === null) return null;
  const ago = now - t;
  if (ago < MINUTE) return 'just now';
  if (ago < HOUR) return `${Math.floor(ago / MINUTE)} min ago`;
  if (ago < DAY) return `${Math.floor(ago / HOUR)} h ago`;
  return `${Math.floor(ago / DAY)} d ago`;
}
