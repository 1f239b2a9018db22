/**
 * When the UI asks the host for models and usage: the policy that keeps an open window from polling and a
 * hidden one from asking at all, and the rules that keep one account's data from showing for another.
 */
import { describe, expect, it } from 'vitest';
import type { ModelList, Usage } from '../core/api/contract';
import { sampleModelList, sampleUsage } from '../test/support/account-fixtures';
import {
  accountKey,
  createAccountSlice,
  initialAccountState,
  modelsDue,
  MODELS_MAX_AGE_MS,
  PRICING_URL,
  USAGE_INTERVAL_MS,
  usageDue,
  type AccountSlice,
} from './account-slice';
import { isAllowedExternalUrl } from '../electron/shell/external-links';
import type { UiBridge } from './bridge/types';

const T0 = Date.parse('2030-01-01T12:00:00Z');

/** The slice on its own little store, with a bridge whose answers the test holds back or gives. */
function harness() {
  const calls: string[] = [];
  let clock = T0;
  const pending: Array<() => void> = [];
  let hold = false;
  const answer = <T>(name: string, value: T): Promise<T> => {
    calls.push(name);
    if (!hold) return Promise.resolve(value);
    return new Promise((resolve) => pending.push(() => resolve(value)));
  };
  let list: ModelList = sampleModelList();
  let usage: Usage = sampleUsage();
  const bridge = {
    listModels: (o?: { refresh?: boolean }) => answer(o?.refresh ? 'listModels:refresh' : 'listModels', list),
    selectModel: (slug: string) => answer(`selectModel:${slug}`, { ...list, selected: slug }),
    getUsage: (o?: { refresh?: boolean }) => answer(o?.refresh ? 'getUsage:refresh' : 'getUsage', usage),
    openExternal: async (url: string) => void calls.push(`open:${url}`),
  } as unknown as UiBridge;
  let state: AccountSlice;
  const set = (p: Partial<AccountSlice>) => {
    state = { ...state, ...p };
  };
  state = createAccountSlice(
    bridge,
    set,
    () => state,
    () => clock,
  );
  return {
    calls,
    get: () => state,
    tick: (ms: number) => (clock += ms),
    now: () => clock,
    hold: (on: boolean) => (hold = on),
    /** Answers the held calls, oldest first (or newest first). */
    release: async (newestFirst = false) => {
      while (pending.length) (newestFirst ? pending.pop() : pending.shift())!();
      await new Promise((r) => setTimeout(r, 0));
    },
    setList: (l: ModelList) => (list = l),
    setUsage: (u: Usage) => (usage = u),
  };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('accountKey', () => {
  it('names the account and plan while signed in, nothing otherwise', () => {
    const storage = { kind: 'k', protected: true, description: 'd' };
    const account = { email: 'a@x', planType: 'plus', accountId: 'acc-1' };
    expect(accountKey({ state: 'signedIn', storage, account })).toBe('acc-1|plus');
    expect(accountKey({ state: 'refreshing', storage, account: { ...account, planType: 'pro' } })).toBe(
      'acc-1|pro',
    );
    expect(accountKey({ state: 'expired', storage, account })).toBeNull();
    expect(accountKey({ state: 'signedOut', storage })).toBeNull();
    expect(accountKey(null)).toBeNull();
  });
});

describe('models policy', () => {
  it('asks once per account and plan, then again only when the list is an hour old', async () => {
    const h = harness();
    h.setList({ ...sampleModelList(), fetchedAt: new Date(T0).toISOString() });
    h.get().ensureModels('acc-1|plus');
    await flush();
    h.get().ensureModels('acc-1|plus');
    h.tick(59 * 60_000);
    h.get().ensureModels('acc-1|plus');
    expect(h.calls).toEqual(['listModels']);
    h.tick(MODELS_MAX_AGE_MS);
    h.get().ensureModels('acc-1|plus');
    expect(h.calls).toEqual(['listModels', 'listModels']);
    // A new plan is new data at once.
    await flush();
    h.get().ensureModels('acc-1|pro');
    expect(h.calls).toEqual(['listModels', 'listModels', 'listModels']);
  });

  it('does not ask every time the window is shown when the host only has an old, offline list', async () => {
    const h = harness();
    h.setList({ ...sampleModelList(), stale: true, fetchedAt: new Date(T0 - 5 * 3_600_000).toISOString() });
    h.get().ensureModels('acc-1|plus');
    await flush();
    h.tick(5 * 60_000);
    h.get().ensureModels('acc-1|plus');
    expect(h.calls).toEqual(['listModels']);
    expect(modelsDue({ ...h.get(), modelsAskedAt: h.now() - MODELS_MAX_AGE_MS }, 'acc-1|plus', h.now())).toBe(
      true,
    );
  });

  it('drops the previous account’s list at once and ignores its late answer', async () => {
    const h = harness();
    await h.get().loadModels('acc-1|plus');
    expect(h.get().models?.planType).toBe('plus');

    h.hold(true);
    const slow = h.get().loadModels('acc-1|plus', { refresh: true });
    // Meanwhile another account signs in: its view must not show the first one's models, even for a moment.
    h.setList({ ...sampleModelList(), planType: 'pro' });
    const fresh = h.get().loadModels('acc-2|pro');
    expect(h.get()).toMatchObject({ models: null, modelsFor: 'acc-2|pro', modelsLoading: true });
    await h.release(true); // the new account's answer first, the old one late
    await Promise.all([slow, fresh]);
    expect(h.get()).toMatchObject({
      modelsFor: 'acc-2|pro',
      modelsLoading: false,
      models: { planType: 'pro' },
    });
    expect(h.calls).toEqual(['listModels', 'listModels:refresh', 'listModels']);
  });

  it('selects through the host and shows what the host answered', async () => {
    const h = harness();
    await h.get().loadModels('acc-1|plus');
    await h.get().selectModel('acc-1|plus', 'gpt-5.1');
    expect(h.calls).toContain('selectModel:gpt-5.1');
    expect(h.get().models?.selected).toBe('gpt-5.1');
    expect(h.get().selecting).toBeNull();
  });
});

describe('usage policy', () => {
  it('asks when shown, then at most every few minutes, and “Try again” asks at once', async () => {
    const h = harness();
    expect(usageDue(initialAccountState, 'acc-1|plus', T0)).toBe(true);
    h.get().ensureUsage('acc-1|plus');
    await flush();
    h.tick(60_000);
    h.get().ensureUsage('acc-1|plus');
    expect(h.calls).toEqual(['getUsage']);
    h.tick(USAGE_INTERVAL_MS);
    h.get().ensureUsage('acc-1|plus');
    await flush();
    expect(h.calls).toEqual(['getUsage', 'getUsage']);
    await h.get().loadUsage('acc-1|plus', { refresh: true });
    expect(h.calls).toEqual(['getUsage', 'getUsage', 'getUsage:refresh']);
    expect(h.get().usage?.primary?.usedPercent).toBe(42);
  });

  it('never asks twice at once', async () => {
    const h = harness();
    h.hold(true);
    h.get().ensureUsage('acc-1|plus');
    h.tick(USAGE_INTERVAL_MS);
    h.get().ensureUsage('acc-1|plus');
    void h.get().loadUsage('acc-1|plus');
    expect(h.calls).toEqual(['getUsage']);
    await h.release();
  });
});

describe('pricing link', () => {
  it('opens OpenAI’s plan comparison', async () => {
    const h = harness();
    await h.get().openPricing();
    expect(h.calls).toEqual([`open:${PRICING_URL}`]);
    expect(PRICING_URL).toBe('https://openai.com/chatgpt/pricing/');
    // The desktop shell opens only allow-listed links: this one must be among them.
    expect(isAllowedExternalUrl(PRICING_URL, undefined)).toBe(true);
  });
});
