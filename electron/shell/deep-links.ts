/**
 * What the OS hands the app on the command line. A `keybridge://` redirect (RFC 8252 §7.1) arrives in argv
 * on Windows and Linux — for a cold start in `process.argv`, for a running instance in the
 * `second-instance` argv — but never at a fixed position: Chromium switches, the app path in development
 * and `--` separators move it around, so every argument is looked at.
 */
export const SCHEME = 'keybridge';
const PREFIX = `${SCHEME}://`;

/** Every argument that is a `keybridge://` URL, in order, without duplicates. */
export function extractSchemeUrls(argv: readonly string[]): string[] {
  const found: string[] = [];
  for (const raw of argv) {
    const arg = raw.trim();
    if (arg.length > 8192 || !arg.toLowerCase().startsWith(PREFIX)) continue;
    if (!found.includes(arg)) found.push(arg);
  }
  return found;
}

/** `--no-tray` (or `--no-tray=true`): show a normal window instead of a tray icon and popover. */
export function wantsNoTray(argv: readonly string[], env: Record<string, string | undefined> = {}): boolean {
  if (env.KEYBRIDGE_NO_TRAY === '1' || env.KEYBRIDGE_NO_TRAY === 'true') return true;
  return argv.some((a) => a === '--no-tray' || a === '--no-tray=true');
}

/**
 * Holds URLs that arrive before the host can take them (macOS delivers `open-url` before `ready` on a cold
 * start), then hands each to the handler once it is set.
 */
export class UrlInbox {
  private pending: string[] = [];
  private handler: ((url: string) => void) | undefined;

  push(url: string): void {
    if (this.handler) this.handler(url);
    else if (!this.pending.includes(url)) this.pending.push(url);
  }

  /** Sets the handler and delivers what waited, oldest first. */
  drainTo(handler: (url: string) => void): void {
    this.handler = handler;
    const waiting = this.pending;
    this.pending = [];
    for (const url of waiting) handler(url);
  }
}
