/**
 * One account's refresh schedule, apart from what the session is: the single flight (every caller during a
 * refresh shares the one grant's outcome), the timer that refreshes ahead of expiry, and the bounded backoff
 * after a failure (timing.ts has the numbers). The grant itself, and what its outcome means, belong to the
 * account's session (account-session.ts).
 */
import { backoffDelayMs, refreshDelayMs } from './timing';

export interface RefresherOptions {
  now: () => number;
  random: () => number;
}

export class Refresher<T> {
  private inFlight: Promise<T> | null = null;
  private failures = 0;
  /** When the retry after a failed refresh is due (epoch ms); 0 when no backoff is running. */
  private retryAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  constructor(
    /** Runs one refresh grant; called at most once at a time. */
    private readonly grant: () => Promise<T>,
    private readonly opts: RefresherOptions,
  ) {}

  /** True while a grant is in flight. */
  get running(): boolean {
    return this.inFlight !== null;
  }

  /** Failed attempts since the last success. */
  get attempts(): number {
    return this.failures;
  }

  /** Single-flight: starts a grant unless one is running, and returns the running one's outcome. */
  run(): Promise<T> {
    if (this.inFlight) return this.inFlight;
    this.clearTimer();
    const run = this.grant().finally(() => {
      if (this.inFlight === run) this.inFlight = null;
    });
    this.inFlight = run;
    return run;
  }

  /** After a success (or a restore, or a sign-in): forget the failures, refresh ahead of this token's expiry. */
  scheduleAhead(tokens: { obtainedAt: number; expiresAt: number }): void {
    this.failures = 0;
    this.retryAt = 0;
    this.schedule(refreshDelayMs(tokens, this.opts.now(), this.opts.random));
  }

  /** After a failure that may pass: the next attempt after a growing delay (or the server's Retry-After). */
  backOff(retryAfterMs?: number): number {
    this.failures += 1;
    const delay = backoffDelayMs(this.failures - 1, retryAfterMs, this.opts.random);
    this.retryAt = this.opts.now() + delay;
    this.schedule(delay);
    return delay;
  }

  /** True during the wait after a failed refresh. */
  backingOff(now: number): boolean {
    return now < this.retryAt;
  }

  /** Waits for a grant in flight, whatever its outcome. */
  async settled(): Promise<void> {
    if (this.inFlight)
      await this.inFlight.then(
        () => undefined,
        () => undefined,
      );
  }

  /** No timer any more (signed out, ended, closing); a grant in flight still ends normally. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.run().catch(() => {
        /* the outcome is in the account's state and the log; a retry is scheduled where one makes sense */
      });
    }, delayMs);
    // The broker's server keeps the host alive; the timer alone must not.
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}
