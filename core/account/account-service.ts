/**
 * What the signed-in account can do (issue #4): its models (cached per account with the server's ETag),
 * the model the user selected, and its usage windows.
 *
 * When the server is asked:
 * - models: at sign-in and when the plan changes (from the session's status events; a session restored at
 *   start-up keeps a saved list younger than an hour), and when someone asks
 *   (UI, CLI, a tool) and the list is older than an hour — or asks explicitly with `refresh`. A failed
 *   attempt is not repeated for a minute unless asked explicitly. Never on a timer.
 * - usage: only when someone asks, and at most once a minute whoever asks (the UI asks when its window is
 *   shown, every few minutes at most). Never in the background.
 * When the server cannot be reached the last list is served, flagged `stale`, with the time it was fetched.
 */
import { z } from 'zod';
import type {
  AccountInfo,
  AccountUsage,
  ErrorInfo,
  ModelList,
  Status,
  Usage,
  UsageWindow,
} from '../api/contract';
import { KeybridgeError, asKeybridgeError } from '../errors';
import type { SettingsFile } from '../settings-file';
import type { ChatgptClient } from './chatgpt-client';
import { cacheAgeMs, type CachedModels, type ModelCache } from './model-cache';
import { limitReached, namedWindows } from './usage-windows';
import { tellEach } from '../listeners';
import { NO_ACCOUNT_ID } from '../vault/contents';

/** The session as this service needs it (core/session's Session fits). */
export interface AccountSession {
  status(): Status;
  onChange(listener: (status: Status) => void): () => void;
  /** The signed-in account an account id or email names (throws invalid_params listing the known ones). */
  resolve?(ref: string): { id: string; account: AccountInfo };
}

export interface AccountServiceOptions {
  session: AccountSession;
  /** The client of the active account (and of every account, unless `clientFor` is given). */
  client: ChatgptClient;
  /** The client that asks with one account's tokens (several accounts, docs/accounts.md). */
  clientFor?: (accountId: string) => ChatgptClient;
  cache: ModelCache;
  settings: SettingsFile;
  log?: (line: string) => void;
  now?: () => number;
  /** A cached model list younger than this is served without asking the server. Default one hour. */
  modelsMaxAgeMs?: number;
  /** After a failed attempt, the server is not asked again (unless `refresh`) for this long. Default 60 s. */
  retryAfterFailureMs?: number;
  /** Usage is asked of the server at most this often. Default 60 s. */
  usageMinIntervalMs?: number;
}

/** The settings.json key: the selected model slug per account id. */
export const SELECTED_MODELS_KEY = 'selectedModels';
const SelectedModels = z.record(z.string(), z.string());

interface ModelsState {
  accountId: string;
  /** The one read of the saved list (every caller waits for it). */
  loaded: Promise<void> | null;
  entry: CachedModels | null;
  /** The server sent or confirmed `entry` during this run. */
  confirmed: boolean;
  /** The last attempt to reach the server failed. */
  stale: boolean;
  lastError: ErrorInfo | null;
  lastAttemptAt: number | null;
  lastAttemptPlan: string | null;
  inFlight: Promise<void> | null;
}

interface UsageState {
  accountId: string;
  primary?: UsageWindow;
  secondary?: UsageWindow;
  planType?: string;
  limitReached?: boolean;
  fetchedAt: string | null;
  lastAttemptAt: number | null;
  lastError: ErrorInfo | null;
  inFlight: Promise<void> | null;
}

interface CurrentAccount {
  accountId: string;
  planType: string | null;
  email: string | null;
}

/** Key for accounts whose token names no account id (not seen from OpenAI, but possible elsewhere). */

export class AccountService {
  private readonly session: AccountSession;
  private readonly clientFor: (accountId: string) => ChatgptClient;
  private readonly cache: ModelCache;
  private readonly settings: SettingsFile;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly modelsMaxAgeMs: number;
  private readonly retryAfterFailureMs: number;
  private readonly usageMinIntervalMs: number;

  private readonly models = new Map<string, ModelsState>();
  private readonly usageStates = new Map<string, UsageState>();
  private readonly selectionListeners = new Set<() => void>();
  private readonly abort = new AbortController();
  private lastSeen: string | null = null;
  private offSession: (() => void) | null = null;
  private closed = false;

  constructor(opts: AccountServiceOptions) {
    this.session = opts.session;
    this.clientFor = opts.clientFor ?? (() => opts.client);
    this.cache = opts.cache;
    this.settings = opts.settings;
    this.log = opts.log ?? (() => {});
    this.now = opts.now ?? Date.now;
    this.modelsMaxAgeMs = opts.modelsMaxAgeMs ?? 60 * 60_000;
    this.retryAfterFailureMs = opts.retryAfterFailureMs ?? 60_000;
    this.usageMinIntervalMs = opts.usageMinIntervalMs ?? 60_000;
  }

  /** Loads the settings and follows the session: a sign-in or a plan change asks for the model list. */
  async start(): Promise<void> {
    await this.settings.load();
    this.offSession = this.session.onChange((status) => this.onSessionChange(status, false));
    // A session restored from the vault: the saved list is served while it is younger than an hour.
    this.onSessionChange(this.session.status(), true);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.offSession?.();
    this.abort.abort();
    const pending = [...this.models.values()].map((s) => s.inFlight);
    for (const u of this.usageStates.values()) pending.push(u.inFlight);
    await Promise.all(pending.map((p) => p?.catch(() => {})));
    this.selectionListeners.clear();
  }

  // ---- models ----

  async listModels(opts: { refresh?: boolean; account?: string } = {}): Promise<ModelList> {
    const account = this.requireAccount(opts.account);
    const state = await this.modelsState(account.accountId);
    if (this.needsFetch(state, account, opts.refresh === true)) await this.fetchModels(state, account);
    return this.modelList(state, account);
  }

  async selectModel(slug: string): Promise<ModelList> {
    const account = this.requireAccount();
    const list = await this.listModels();
    if (!list.models.some((m) => m.slug === slug)) {
      const offered = list.models.map((m) => m.slug).join(', ');
      throw new KeybridgeError(
        'invalid_params',
        list.models.length > 0
          ? `“${slug}” is not one of the models ChatGPT offers this account. Choose one of: ${offered}.`
          : `“${slug}” cannot be selected: the list of models for this account is not available yet.`,
      );
    }
    const before = this.selectedFor(account.accountId);
    const all = { ...(this.settings.get(SELECTED_MODELS_KEY, SelectedModels) ?? {}) };
    all[account.accountId] = slug;
    await this.settings.set(SELECTED_MODELS_KEY, all);
    this.log(`models: selected ${slug}`);
    if (before !== slug) this.emitSelection();
    return { ...list, selected: slug };
  }

  /**
   * The selected model of `accountId`: what the user picked, unless the account's current list is known
   * and no longer offers it (a plan change) — then none, until the user picks again.
   */
  selectedFor(accountId: string | null | undefined): string | null {
    const key = accountId ?? NO_ACCOUNT_ID;
    const slug = this.settings.get(SELECTED_MODELS_KEY, SelectedModels)?.[key];
    if (!slug) return null;
    const entry = this.models.get(key)?.entry;
    if (entry && !entry.models.some((m) => m.slug === slug)) return null;
    return slug;
  }

  /** The status with `selectedModel` filled in for its account. */
  decorate(status: Status): Status {
    if (!status.account || (status.state !== 'signedIn' && status.state !== 'refreshing')) return status;
    const selected = this.selectedFor(status.account.accountId);
    return selected ? { ...status, selectedModel: selected } : status;
  }

  /** Called when the selected model of the signed-in account changes (status.changed should be sent). */
  onSelectionChange(listener: () => void): () => void {
    this.selectionListeners.add(listener);
    return () => this.selectionListeners.delete(listener);
  }

  // ---- usage ----

  /** The usage of `account` (an account id or email; default the active account). */
  async usage(opts: { refresh?: boolean; account?: string } = {}): Promise<Usage> {
    const account = this.requireAccount(opts.account);
    let u = this.usageStates.get(account.accountId);
    if (!u) {
      u = {
        accountId: account.accountId,
        fetchedAt: null,
        lastAttemptAt: null,
        lastError: null,
        inFlight: null,
      };
      this.usageStates.set(account.accountId, u);
    }
    const due =
      opts.refresh === true ||
      u.lastAttemptAt === null ||
      this.now() - u.lastAttemptAt >= this.usageMinIntervalMs;
    const state = u;
    if (state.inFlight) await state.inFlight;
    else if (due) {
      state.inFlight = this.fetchUsage(state).finally(() => {
        state.inFlight = null;
      });
      await state.inFlight;
    }
    const windows = namedWindows(state);
    const out: Usage = {
      fetchedAt: state.fetchedAt,
      source: state.lastError || state.fetchedAt === null ? 'cache' : 'server',
      planType: state.planType ?? account.planType,
      accountId: account.accountId,
      email: account.email,
      limitReached: limitReached(state.limitReached, windows),
      windows,
    };
    if (state.primary) out.primary = state.primary;
    if (state.secondary) out.secondary = state.secondary;
    if (state.lastError) out.error = state.lastError;
    return out;
  }

  /** What is known of an account's usage without asking the server (the account list shows it). */
  cachedUsage(accountId: string): AccountUsage | undefined {
    const u = this.usageStates.get(accountId);
    if (!u || u.fetchedAt === null) return undefined;
    const windows = namedWindows(u);
    return { limitReached: limitReached(u.limitReached, windows), windows, fetchedAt: u.fetchedAt };
  }

  // ---- internals ----

  private onSessionChange(status: Status, restored: boolean): void {
    if (this.closed) return;
    const account = accountOf(status);
    if (!account) {
      if (status.state !== 'signingIn') this.lastSeen = null;
      return;
    }
    const key = `${account.accountId}\n${account.planType ?? ''}`;
    if (key === this.lastSeen) return;
    const planChanged = this.lastSeen?.split('\n')[0] === account.accountId;
    this.lastSeen = key;
    if (planChanged) this.usageStates.delete(account.accountId);
    // A sign-in asks the server (with the saved list's ETag, so an unchanged list costs a 304); a plan change
    // does too, since the saved list is for the old plan. Either way the list is ready before anyone asks.
    this.listModels({ refresh: !restored }).catch((e) => this.log(`models: ${asKeybridgeError(e).message}`));
  }

  private requireAccount(ref?: string): CurrentAccount {
    if (ref !== undefined && this.session.resolve) {
      const named = this.session.resolve(ref);
      return { accountId: named.id, planType: named.account.planType, email: named.account.email };
    }
    const account = accountOf(this.session.status());
    if (!account) {
      throw new KeybridgeError(
        'not_signed_in',
        'Not signed in. Sign in from the Keybridge tray or run `keybridge login` to see your models and usage.',
      );
    }
    return account;
  }

  private async modelsState(accountId: string): Promise<ModelsState> {
    let state = this.models.get(accountId);
    if (!state) {
      state = {
        accountId,
        loaded: null,
        entry: null,
        confirmed: false,
        stale: false,
        lastError: null,
        lastAttemptAt: null,
        lastAttemptPlan: null,
        inFlight: null,
      };
      this.models.set(accountId, state);
    }
    const s = state;
    s.loaded ??= this.cache.read(accountId).then((entry) => {
      // A fetch may have finished while the disk was read: the newer list wins.
      if (entry && !s.entry) s.entry = entry;
    });
    await s.loaded;
    return s;
  }

  private needsFetch(state: ModelsState, account: CurrentAccount, refresh: boolean): boolean {
    if (refresh || state.inFlight) return true;
    const entry = state.entry;
    const expired =
      !entry || entry.planType !== account.planType || cacheAgeMs(entry, this.now()) >= this.modelsMaxAgeMs;
    if (!expired) return false;
    // Just failed for this plan: serve the saved list instead of asking again on every call.
    const recentFailure =
      state.stale &&
      state.lastAttemptPlan === account.planType &&
      state.lastAttemptAt !== null &&
      this.now() - state.lastAttemptAt < this.retryAfterFailureMs;
    return !recentFailure;
  }

  /** Single-flight per account: the UI, the CLI and a sign-in asking together make one request. */
  private fetchModels(state: ModelsState, account: CurrentAccount): Promise<void> {
    if (state.inFlight) return state.inFlight;
    const run = this.doFetchModels(state, account).finally(() => {
      state.inFlight = null;
    });
    state.inFlight = run;
    return run;
  }

  private async doFetchModels(state: ModelsState, account: CurrentAccount): Promise<void> {
    const before = this.selectedFor(state.accountId);
    const previous = state.entry;
    // A list for another plan may differ even if the server's tags happened to match: ask afresh.
    const etag = previous && previous.planType === account.planType ? previous.etag : null;
    state.lastAttemptAt = this.now();
    state.lastAttemptPlan = account.planType;
    try {
      const answer = await this.clientFor(state.accountId).models(etag, this.abort.signal);
      const fetchedAt = new Date(this.now()).toISOString();
      if (answer.kind === 'notModified') {
        if (!previous || !etag) {
          throw new KeybridgeError(
            'chatgpt_error',
            'ChatGPT answered “not modified” to a request for a list Keybridge does not have.',
          );
        }
        state.entry = { ...previous, etag: answer.etag ?? etag, fetchedAt };
        this.log(`models: list unchanged (${previous.models.length} models)`);
      } else {
        state.entry = {
          version: 1,
          accountId: state.accountId,
          planType: account.planType,
          etag: answer.etag,
          fetchedAt,
          models: answer.models,
        };
        this.log(`models: ${answer.models.length} models for plan ${account.planType ?? 'unknown'}`);
      }
      state.confirmed = true;
      state.stale = false;
      state.lastError = null;
      try {
        await this.cache.write(state.entry);
      } catch (e) {
        this.log(`models cache: could not save: ${asKeybridgeError(e).message}`);
      }
    } catch (e) {
      const err = asKeybridgeError(e);
      state.stale = true;
      state.lastError = err.toJSON();
      this.log(`models: ${err.message}${previous ? ' — serving the saved list' : ''}`);
    }
    if (this.selectedFor(state.accountId) !== before) this.emitSelection();
  }

  private modelList(state: ModelsState, account: CurrentAccount): ModelList {
    const entry = state.entry;
    const list: ModelList = {
      models: entry?.models ?? [],
      selected: this.selectedFor(state.accountId),
      fetchedAt: entry?.fetchedAt ?? null,
      source: state.confirmed && !state.stale ? 'server' : 'cache',
      stale: state.stale,
      planType: entry?.planType ?? account.planType,
    };
    if (state.lastError) list.error = state.lastError;
    return list;
  }

  private async fetchUsage(u: UsageState): Promise<void> {
    u.lastAttemptAt = this.now();
    try {
      const parsed = await this.clientFor(u.accountId).usage(this.abort.signal, this.now());
      u.primary = parsed.primary;
      u.secondary = parsed.secondary;
      u.planType = parsed.planType;
      u.limitReached = parsed.limitReached;
      u.fetchedAt = new Date(this.now()).toISOString();
      u.lastError = null;
    } catch (e) {
      const err = asKeybridgeError(e);
      u.lastError = err.toJSON();
      this.log(`usage: ${err.message}`);
    }
  }

  private emitSelection(): void {
    tellEach(this.selectionListeners, (l) => l(), this.log, 'selection');
  }
}

function accountOf(status: Status): CurrentAccount | null {
  if ((status.state !== 'signedIn' && status.state !== 'refreshing') || !status.account) return null;
  return {
    accountId: status.account.accountId ?? NO_ACCOUNT_ID,
    planType: status.account.planType,
    email: status.account.email,
  };
}
