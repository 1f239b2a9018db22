/**
 * Several accounts as the user and the UI see them (docs/accounts.md): the list with each account's state and
 * usage, switching (and pinning), and the usage watch — alerts at 80 % and 95 % of a window and when a
 * limited window resets, and, when the user opted in, the automatic switch to the account with most room
 * when the active one reaches a limit.
 *
 * Usage is read when someone asks (usage.get, `keybridge usage --refresh`) and, while tools are connected, at
 * most every 5 minutes (`watchIntervalMs`). It never switches while the user has pinned the active account.
 */
import { z } from 'zod';
import type { AccountList, AccountUsage, Usage, UsageNotice } from '../api/contract';
import { asKeybridgeError } from '../errors';
import type { SettingsFile } from '../settings-file';
import type { AccountEntry } from '../session/session';
import { firstReset, tightestPercent } from './usage-windows';
import { tellEach } from '../listeners';

/** The session as the account list needs it (core/session's Session fits). */
export interface AccountsSession {
  list(): AccountEntry[];
  readonly activeAccountId: string | null;
  switchTo(ref: string): Promise<unknown>;
  onAccounts(listener: () => void): () => void;
}

/** Usage per account (core/account's AccountService fits). */
export interface AccountsUsage {
  usage(opts: { refresh?: boolean; account?: string }): Promise<Usage>;
  cachedUsage(accountId: string): AccountUsage | undefined;
}

export interface AccountsOptions {
  session: AccountsSession;
  usage: AccountsUsage;
  settings: SettingsFile;
  /** From the environment or config.json; the UI's own choice (settings.json) wins once made. */
  autoSwitch?: boolean;
  /** True while any tool is connected to the broker: then usage is watched. */
  toolsConnected?: () => boolean;
  log?: (line: string) => void;
  /** Default 5 minutes. */
  watchIntervalMs?: number;
}

export const AUTO_SWITCH_KEY = 'autoSwitch';
/** The user's pin outlives a restart: auto-switch must not move an account the user chose to keep. */
export const PINNED_KEY = 'pinnedActive';
const THRESHOLDS = [80, 95] as const;

export class Accounts {
  private readonly session: AccountsSession;
  private readonly usage: AccountsUsage;
  private readonly settings: SettingsFile;
  private readonly log: (line: string) => void;
  private readonly toolsConnected: () => boolean;
  private autoSwitch = false;
  private pinned = false;
  private readonly listListeners = new Set<(list: AccountList) => void>();
  private readonly noticeListeners = new Set<(notice: UsageNotice) => void>();
  /** account/window → the highest threshold already announced for the window that resets at `resetsAt`. */
  private readonly announced = new Map<string, { resetsAt?: string; level: number; limited: boolean }>();
  private lastAllLimited: string | null = null;
  private listQueued = false;
  private timer: NodeJS.Timeout | null = null;
  private offSession: (() => void) | null = null;
  private checking: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly opts: AccountsOptions) {
    this.session = opts.session;
    this.usage = opts.usage;
    this.settings = opts.settings;
    this.log = opts.log ?? (() => {});
    this.toolsConnected = opts.toolsConnected ?? (() => false);
  }

  /** Reads the saved choice (settings must be loaded) and starts the watch. */
  start(): void {
    this.autoSwitch = this.settings.get(AUTO_SWITCH_KEY, z.boolean()) ?? this.opts.autoSwitch ?? false;
    this.pinned = this.settings.get(PINNED_KEY, z.boolean()) ?? false;
    this.offSession = this.session.onAccounts(() => this.listChanged());
    const interval = this.opts.watchIntervalMs ?? 5 * 60_000;
    this.timer = setInterval(() => {
      if (this.toolsConnected()) void this.check(false);
    }, interval);
    this.timer.unref?.();
  }

  close(): void {
    this.closed = true;
    this.offSession?.();
    if (this.timer) clearInterval(this.timer);
    this.listListeners.clear();
    this.noticeListeners.clear();
  }

  list(): AccountList {
    return {
      accounts: this.session.list().map((a) => {
        const usage = this.usage.cachedUsage(a.accountId);
        return usage ? { ...a, usage } : a;
      }),
      activeAccountId: this.session.activeAccountId,
      autoSwitch: this.autoSwitch,
      pinned: this.pinned,
    };
  }

  async switchTo(ref: string, pin?: boolean): Promise<AccountList> {
    await this.session.switchTo(ref);
    if (pin !== undefined) await this.savePinned(pin);
    this.listChanged();
    return this.list();
  }

  async setAutoSwitch(enabled: boolean): Promise<AccountList> {
    this.autoSwitch = enabled;
    await this.settings.set(AUTO_SWITCH_KEY, enabled);
    this.log(`accounts: automatic switching ${enabled ? 'on' : 'off'}`);
    this.listChanged();
    if (enabled) void this.check(false);
    return this.list();
  }

  async setPinned(pinned: boolean): Promise<AccountList> {
    await this.savePinned(pinned);
    this.listChanged();
    return this.list();
  }

  private async savePinned(pinned: boolean): Promise<void> {
    this.pinned = pinned;
    await this.settings.set(PINNED_KEY, pinned);
  }

  onList(listener: (list: AccountList) => void): () => void {
    this.listListeners.add(listener);
    return () => this.listListeners.delete(listener);
  }

  onNotice(listener: (notice: UsageNotice) => void): () => void {
    this.noticeListeners.add(listener);
    return () => this.noticeListeners.delete(listener);
  }

  /** Someone read usage (usage.get): alerts and the automatic switch look at it. */
  async afterUsage(refresh: boolean): Promise<void> {
    await this.check(refresh);
  }

  /**
   * Reads every signed-in account's usage (the account service limits how often the server is asked), sends
   * the alerts, and switches when the active account is at a limit and the user opted in. One at a time.
   */
  check(refresh: boolean): Promise<void> {
    this.checking ??= this.runCheck(refresh).finally(() => {
      this.checking = null;
    });
    return this.checking;
  }

  private async runCheck(refresh: boolean): Promise<void> {
    const live = this.session.list().filter((a) => a.state === 'signedIn' || a.state === 'refreshing');
    const usages = new Map<string, AccountUsage>();
    await Promise.all(
      live.map(async (a) => {
        try {
          await this.usage.usage({ refresh, account: a.accountId });
        } catch (e) {
          this.log(`usage of ${a.email ?? a.accountId}: ${asKeybridgeError(e).message}`);
        }
        const u = this.usage.cachedUsage(a.accountId);
        if (u) usages.set(a.accountId, u);
      }),
    );
    if (this.closed) return;
    for (const a of live) {
      const u = usages.get(a.accountId);
      if (u) this.alerts(a, u, a.accountId === this.session.activeAccountId);
    }
    this.listChanged();
    await this.maybeSwitch(live, usages);
  }

  private alerts(a: AccountEntry, u: AccountUsage, active: boolean): void {
    for (const w of u.windows) {
      const key = `${a.accountId}\n${w.name}`;
      const before = this.announced.get(key);
      const limited = w.usedPercent >= 100 || u.limitReached;
      // A limited window that reset (a new reset time, or no longer limited): say so, for any account.
      if (before?.limited && !limited) {
        this.notice({
          kind: 'reset',
          accountId: a.accountId,
          email: a.email,
          window: w.name,
          message: `${who(a)}: the ${label(w.name)} limit has reset. ${Math.round(w.usedPercent)} % used.`,
        });
      }
      const sameWindow = before && before.resetsAt === w.resetsAt;
      const level = THRESHOLDS.filter((t) => w.usedPercent >= t).at(-1) ?? 0;
      const already = sameWindow ? before.level : 0;
      if (active && level > already) {
        this.notice({
          kind: 'threshold',
          accountId: a.accountId,
          email: a.email,
          window: w.name,
          percent: level,
          ...(w.resetsAt ? { resetsAt: w.resetsAt } : {}),
          message: `${who(a)} has used ${Math.round(w.usedPercent)} % of its ${label(w.name)} limit${w.resetsAt ? `; it resets at ${w.resetsAt}` : ''}.`,
        });
      }
      this.announced.set(key, {
        resetsAt: w.resetsAt,
        level: Math.max(level, already),
        limited,
      });
    }
  }

  private async maybeSwitch(live: AccountEntry[], usages: Map<string, AccountUsage>): Promise<void> {
    const activeId = this.session.activeAccountId;
    const active = live.find((a) => a.accountId === activeId);
    const activeUsage = activeId ? usages.get(activeId) : undefined;
    if (!this.autoSwitch || this.pinned || !active || !activeUsage?.limitReached) {
      if (!activeUsage?.limitReached) this.lastAllLimited = null;
      return;
    }
    // The account with most room, by what is known; its usage is asked afresh before the switch, so a
    // reading from minutes ago never moves everyone onto an account that has filled up since.
    const candidates = live
      .filter((a) => a.accountId !== activeId && !usages.get(a.accountId)?.limitReached)
      .sort((x, y) => room(usages.get(x.accountId)) - room(usages.get(y.accountId)));
    let best: { a: AccountEntry; u: AccountUsage } | undefined;
    for (const a of candidates) {
      try {
        await this.usage.usage({ refresh: true, account: a.accountId });
      } catch (e) {
        this.log(`usage of ${who(a)}: ${asKeybridgeError(e).message}`);
      }
      const u = this.usage.cachedUsage(a.accountId);
      if (u) usages.set(a.accountId, u);
      if (u && !u.limitReached) {
        best = { a, u };
        break;
      }
    }
    if (this.closed || this.session.activeAccountId !== activeId) return;
    if (!best) {
      const resetsAt = firstReset([...usages.values()]);
      const key = `${activeId}\n${resetsAt ?? ''}`;
      if (this.lastAllLimited === key) return;
      this.lastAllLimited = key;
      this.notice({
        kind: 'allLimited',
        accountId: active.accountId,
        email: active.email,
        ...(resetsAt ? { resetsAt } : {}),
        // When the first limit resets travels as `resetsAt`: each shell words it against its own clock.
        message: `Every signed-in account is at its limit; staying on ${who(active)}.`,
      });
      return;
    }
    this.lastAllLimited = null;
    await this.session.switchTo(best.a.accountId);
    this.log(`accounts: ${who(active)} reached its limit; switched to ${who(best.a)}`);
    this.notice({
      kind: 'switched',
      accountId: best.a.accountId,
      email: best.a.email,
      message: `${who(active)} reached its usage limit: switched to ${who(best.a)} (${Math.round(tightestPercent(best.u))} % used).`,
    });
    this.listChanged();
  }

  private notice(n: UsageNotice): void {
    tellEach(this.noticeListeners, (l) => l(n), this.log, 'usage notice');
  }

  /** accounts.changed, once per turn of the event loop however many changes came together. */
  private listChanged(): void {
    if (this.listQueued || this.listListeners.size === 0 || this.closed) return;
    this.listQueued = true;
    setImmediate(() => {
      this.listQueued = false;
      if (this.closed) return;
      const list = this.list();
      tellEach(this.listListeners, (l) => l(list), this.log, 'accounts');
    });
  }
}

/** How full an account is (unknown usage sorts last). */
function room(u: AccountUsage | undefined): number {
  return u ? tightestPercent(u) : 101;
}

function who(a: { email: string | null; accountId: string }): string {
  return a.email ?? a.accountId;
}

function label(name: '5h' | 'weekly'): string {
  return name === '5h' ? '5-hour' : 'weekly';
}
