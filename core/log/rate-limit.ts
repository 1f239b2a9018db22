/**
 * Repeated identical log events are counted, not written: anyone who can make the host log a line (every
 * local user can reach the web UI's TCP port) must not be able to turn that into unbounded output.
 *
 * Per window (a minute by default) each distinct line is written at most `perLine` times; the rest are
 * summed up once, when the window ends, as "… N more like this". All lines together are held to `perWindow`,
 * so a stream of lines that each differ is bounded too.
 */

export interface RateLimitOptions {
  windowMs?: number;
  /** Copies of one line written per window. */
  perLine?: number;
  /** Lines of all kinds written per window. */
  perWindow?: number;
  now?: () => number;
}

export const DEFAULT_RATE_LIMIT = { windowMs: 60_000, perLine: 5, perWindow: 300 } as const;

/** Distinct lines remembered per window; past this, new lines count against the window only. */
const MAX_KEYS = 1000;

export class LineRateLimiter {
  private readonly windowMs: number;
  private readonly perLine: number;
  private readonly perWindow: number;
  private readonly now: () => number;
  private windowStart = 0;
  private written = 0;
  private suppressedOther = 0;
  private readonly counts = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `emit` gets every line to write, summaries included. */
  constructor(
    private readonly emit: (line: string) => void,
    opts: RateLimitOptions = {},
  ) {
    this.windowMs = opts.windowMs ?? DEFAULT_RATE_LIMIT.windowMs;
    this.perLine = opts.perLine ?? DEFAULT_RATE_LIMIT.perLine;
    this.perWindow = opts.perWindow ?? DEFAULT_RATE_LIMIT.perWindow;
    this.now = opts.now ?? Date.now;
  }

  /** Writes `line` unless this window has had enough of it (or of everything). */
  submit(line: string): void {
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) this.flush(t);
    const seen = this.counts.get(line);
    if (seen === undefined && this.counts.size >= MAX_KEYS) {
      this.suppressedOther += 1;
      this.arm();
      return;
    }
    const n = (seen ?? 0) + 1;
    this.counts.set(line, n);
    if (n > this.perLine || this.written >= this.perWindow) {
      if (n <= this.perLine) this.suppressedOther += 1;
      this.arm();
      return;
    }
    this.written += 1;
    this.emit(line);
  }

  /** Writes the summaries of the window that ends now and starts a new one. */
  flush(t = this.now()): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const seconds = Math.round(this.windowMs / 1000);
    for (const [line, n] of this.counts) {
      if (n > this.perLine)
        this.emit(`${line} (${n - this.perLine} more like this in ${seconds} s, not logged)`);
    }
    if (this.suppressedOther > 0)
      this.emit(`${this.suppressedOther} more log lines in ${seconds} s were not logged (too many at once)`);
    this.counts.clear();
    this.suppressedOther = 0;
    this.written = 0;
    this.windowStart = t;
  }

  /** The summary is written when the window ends even if nothing else is logged after the burst. */
  private arm(): void {
    if (this.timer) return;
    const left = Math.max(0, this.windowStart + this.windowMs - this.now());
    this.timer = setTimeout(() => this.flush(), left);
    this.timer.unref?.();
  }
}
