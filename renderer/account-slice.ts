/**
 * The store's part for what the account can do (issue #4): the model list with the selection, and the usage
 * windows. Mixed into the one store (store.ts); nothing here holds a token — `models.list` and `usage.get`
 * carry none.
 *
 * When the host is asked (the host has its own limits on top, and asks ChatGPT less often still):
 * - models: when the account or plan is new to this page, or the list it has is older than an hour;
 * - usage: when the view is shown and the numbers are older than ~3 minutes — never while nobody looks.
 */
import type { ModelList, ResultOf, Status } from '../core/api/contract';
import { errorInfo, type UiBridge } from './bridge/types';

/** OpenAI's page comparing the plans (and so which models each includes); on the shell's link allowlist. */
export const PRICING_URL = 'https://openai.com/chatgpt/pricing/';
export const MODELS_MAX_AGE_MS = 60 * 60_000;
export const USAGE_INTERVAL_MS = 3 * 60_000;
/** A timer firing a little early still counts as due. */
const SLACK_MS = 5_000;

export interface AccountError {
  code: string;
  message: string;
}

export interface AccountSlice {
  models: ModelList | null;
  /** The account key (`accountKey`) `models` belongs to. */
  modelsFor: string | null;
  /** When this page last asked the host for the list (ms). */
  modelsAskedAt: number | null;
  modelsLoading: boolean;
  /** The call itself failed (not connected, not signed in); ChatGPT trouble is in `models.error`. */
  modelsCallError: AccountError | null;
  /** The slug being selected right now. */
  selecting: string | null;
  selectError: AccountError | null;
  /** `usage.get`'s answer: the windows, and (from a host with several accounts) whose and whether limited. */
  usage: ResultOf<'usage.get'> | null;
  usageFor: string | null;
  usageAskedAt: number | null;
  usageLoading: boolean;
  usageCallError: AccountError | null;
  /** Opening the pricing page failed. */
  linkError: AccountError | null;

  /** Loads the list when this account's is missing or older than an hour. */
  ensureModels(key: string, now?: number): void;
  loadModels(key: string, opts?: { refresh?: boolean }): Promise<void>;
  selectModel(key: string, slug: string): Promise<void>;
  /** Loads usage when this account's is missing or ~3 minutes old. Call only while the view is visible. */
  ensureUsage(key: string, now?: number): void;
  loadUsage(key: string, opts?: { refresh?: boolean }): Promise<void>;
  /** Opens OpenAI's plan comparison in the browser ("Models not appearing?"). */
  openPricing(): Promise<void>;
}

/** Which account and plan the data belongs to: a new key means new data is needed. */
export function accountKey(status: Status | null | undefined): string | null {
  const a = status?.account;
  if (!a || (status?.state !== 'signedIn' && status?.state !== 'refreshing')) return null;
  return `${a.accountId ?? ''}|${a.planType ?? ''}`;
}

/** The slice's data, without its actions. */
export type AccountData = {
  [
    K in keyof AccountSlice as AccountSlice[K] extends (...args: never[]) => unknown ? never : K
  ]: AccountSlice[K];
};

export function modelsDue(s: AccountData, key: string, now: number): boolean {
  if (s.modelsLoading && s.modelsFor === key) return false;
  if (s.modelsFor !== key || s.models === null || s.modelsAskedAt === null) return true;
  const fetched = s.models.fetchedAt ? Date.parse(s.models.fetchedAt) : NaN;
  // Older than an hour by the list's own time, and not asked in the last hour either (the host may have
  // had no better answer: offline).
  const listAge = Number.isNaN(fetched) ? Infinity : now - fetched;
  return listAge >= MODELS_MAX_AGE_MS && now - s.modelsAskedAt >= MODELS_MAX_AGE_MS - SLACK_MS;
}

export function usageDue(s: AccountData, key: string, now: number): boolean {
  if (s.usageLoading && s.usageFor === key) return false;
  if (s.usageFor !== key || s.usageAskedAt === null) return true;
  return now - s.usageAskedAt >= USAGE_INTERVAL_MS - SLACK_MS;
}

export const initialAccountState: AccountData = {
  models: null,
  modelsFor: null,
  modelsAskedAt: null,
  modelsLoading: false,
  modelsCallError: null,
  selecting: null,
  selectError: null,
  usage: null,
  usageFor: null,
  usageAskedAt: null,
  usageLoading: false,
  usageCallError: null,
  linkError: null,
};

export function createAccountSlice(
  bridge: UiBridge,
  set: (partial: Partial<AccountSlice>) => void,
  get: () => AccountSlice,
  clock: () => number = Date.now,
): AccountSlice {
  // Each load is numbered: only the latest one's answer is shown (an older one may belong to another
  // account, or be overtaken by a refresh).
  let modelsSeq = 0;
  let usageSeq = 0;
  return {
    ...initialAccountState,

    ensureModels(key, now = clock()) {
      if (modelsDue(get(), key, now)) void get().loadModels(key);
    },

    async loadModels(key, opts = {}) {
      const switching = get().modelsFor !== key;
      if (get().modelsLoading && !switching) return;
      const seq = ++modelsSeq;
      set({
        modelsLoading: true,
        modelsAskedAt: clock(),
        modelsCallError: null,
        ...(switching ? { models: null, modelsFor: key, selectError: null } : {}),
      });
      try {
        const models = await bridge.listModels(opts.refresh ? { refresh: true } : undefined);
        if (seq === modelsSeq) set({ models });
      } catch (e) {
        if (seq === modelsSeq) set({ modelsCallError: errorInfo(e) });
      } finally {
        if (seq === modelsSeq) set({ modelsLoading: false });
      }
    },

    async selectModel(key, slug) {
      if (get().selecting) return;
      set({ selecting: slug, selectError: null });
      try {
        const models = await bridge.selectModel(slug);
        if (get().modelsFor === key) set({ models });
      } catch (e) {
        set({ selectError: errorInfo(e) });
      } finally {
        set({ selecting: null });
      }
    },

    ensureUsage(key, now = clock()) {
      if (usageDue(get(), key, now)) void get().loadUsage(key);
    },

    async loadUsage(key, opts = {}) {
      const switching = get().usageFor !== key;
      if (get().usageLoading && !switching) return;
      const seq = ++usageSeq;
      set({
        usageLoading: true,
        usageAskedAt: clock(),
        usageCallError: null,
        ...(switching ? { usage: null, usageFor: key } : {}),
      });
      try {
        const usage = await bridge.getUsage(opts.refresh ? { refresh: true } : undefined);
        if (seq === usageSeq) set({ usage });
      } catch (e) {
        if (seq === usageSeq) set({ usageCallError: errorInfo(e) });
      } finally {
        if (seq === usageSeq) set({ usageLoading: false });
      }
    },

    async openPricing() {
      set({ linkError: null });
      try {
        await bridge.openExternal(PRICING_URL);
      } catch (e) {
        set({ linkError: errorInfo(e) });
      }
    },
  };
}
