/**
 * For the web transport's and the renderer's tests: a real object implementing Service, whose status changes
 * the way the host's does (sign-in starts, a redirect URL finishes it, sign-out ends it), which holds several
 * accounts (signing in while signed in adds one and makes it active) and which records every call.
 * `credentials.get` hands out a token, so tests can prove the browser can never reach it.
 */
import type {
  AccountList,
  AccountSummary,
  AccountUsage,
  MethodName,
  Status,
  UsageNotice,
} from '../../core/api/contract';
import type { CallContext, Service, ServiceEvent } from '../../core/api/service';
import { sampleModelList, sampleUsage } from './account-fixtures';
import { KeybridgeError } from '../../core/errors';
import { toolMethodStubs } from './tool-fixtures';

export const SECRET_ACCESS_TOKEN = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.c2VjcmV0LXNpZ25hdHVyZQ';

const storage = { kind: 'os-keyring', protected: true, description: 'System keyring (Secret Service)' };

/** Someone the fake signs in: `nextSignIn` picks who the next redirect URL belongs to. */
export interface Person {
  email: string;
  planType: string;
  accountId: string;
}
export const ADA: Person = {
  email: 'ada@example.com',
  planType: 'plus',
  accountId: 'a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
};
export const GRACE: Person = {
  email: 'grace@example.com',
  planType: 'pro',
  accountId: 'f0e1d2c3-b4a5-4968-8776-655443322110',
};

export const statuses = {
  signedOut: (): Status => ({ state: 'signedOut', storage }),
  signingIn: (url: string): Status => ({
    state: 'signingIn',
    storage,
    signIn: {
      url,
      redirectUri: 'http://localhost:1455/auth/callback',
      startedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 10 * 60_000).toISOString(),
    },
  }),
  signedIn: (person: Person = ADA, otherAccounts?: number): Status => ({
    state: 'signedIn',
    storage,
    account: { email: person.email, planType: person.planType, accountId: person.accountId },
    ...(otherAccounts !== undefined ? { otherAccounts } : {}),
    expiresAt: new Date(Date.now() + (3 * 60 + 17) * 60_000 + 30_000).toISOString(),
    lastRefreshAt: new Date(Date.now() - 12 * 60_000).toISOString(),
    selectedModel: 'gpt-5.1-codex',
  }),
};

export class TestService implements Service {
  status: Status = statuses.signedOut();
  readonly calls: Array<{ method: MethodName; params: unknown; ctx: CallContext }> = [];
  /** The consent page `auth.login` answers with. */
  authorizeUrl = 'https://auth.example.test/oauth/authorize?client_id=test';
  /** Thrown by the next call of that method. */
  readonly failNext = new Map<MethodName, Error>();
  /** Who the next accepted redirect URL signs in. */
  nextSignIn: Person = ADA;
  /** The accounts, in the order they were added; the active one is `activeId`. */
  readonly accounts = new Map<string, AccountSummary>();
  activeId: string | null = null;
  autoSwitch = false;
  pinned = false;
  private readonly listeners = new Set<(s: Status) => void>();
  private readonly eventListeners = new Set<(e: ServiceEvent) => void>();

  /** Sets the status; a signed-in status adds its account (when new) and makes it the active one. */
  setStatus(status: Status): void {
    const a = status.account;
    if ((status.state === 'signedIn' || status.state === 'refreshing') && a?.accountId) {
      const known = this.accounts.get(a.accountId);
      this.accounts.set(a.accountId, {
        ...known,
        accountId: a.accountId,
        email: a.email,
        planType: a.planType,
        active: true,
        state: status.state,
      });
      this.activeId = a.accountId;
    }
    this.status = status;
    for (const l of this.listeners) l(status);
    this.emitAccounts();
  }

  accountList(): AccountList {
    return {
      accounts: [...this.accounts.values()].map((x) => ({ ...x, active: x.accountId === this.activeId })),
      activeAccountId: this.activeId,
      autoSwitch: this.autoSwitch,
      pinned: this.pinned,
    };
  }

  /** Sets one account's usage (as the host's periodic read would) and tells the UI. */
  setAccountUsage(accountId: string, usage: AccountUsage): void {
    const known = this.accounts.get(accountId);
    if (!known) throw new Error(`no account ${accountId}`);
    this.accounts.set(accountId, { ...known, usage });
    this.emitAccounts();
  }

  /** A `usage.notice` event, as the host sends when a threshold is crossed or it switched. */
  notice(notice: UsageNotice): void {
    this.emit({ name: 'usage.notice', payload: notice });
  }

  emit(event: ServiceEvent): void {
    for (const l of this.eventListeners) l(event);
  }

  onEvent(listener: (e: ServiceEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  private emitAccounts(): void {
    this.emit({ name: 'accounts.changed', payload: this.accountList() });
  }

  /** Makes a known account the active one: its status, with how many others there are. */
  private activate(accountId: string | null): void {
    const next = accountId ? this.accounts.get(accountId) : undefined;
    this.activeId = next?.accountId ?? null;
    if (!next) this.pinned = false;
    this.setStatus(
      next
        ? statuses.signedIn(
            { email: next.email ?? '', planType: next.planType ?? '', accountId: next.accountId },
            this.accounts.size - 1,
          )
        : statuses.signedOut(),
    );
  }

  private find(account: string): AccountSummary | undefined {
    return [...this.accounts.values()].find((x) => x.accountId === account || x.email === account);
  }

  onStatus(listener: (s: Status) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  listenerCount(): number {
    return this.listeners.size;
  }

  private record(method: MethodName, params: unknown, ctx: CallContext): void {
    this.calls.push({ method, params, ctx });
    const e = this.failNext.get(method);
    if (e) {
      this.failNext.delete(method);
      throw e;
    }
  }

  async hello(params: unknown, ctx: CallContext) {
    this.record('hello', params, ctx);
    return { protocol: 1, server: { name: 'keybridge-test', version: '0' } };
  }
  async 'status.get'(params: unknown, ctx: CallContext) {
    this.record('status.get', params, ctx);
    return this.status;
  }
  async 'credentials.get'(params: unknown, ctx: CallContext) {
    this.record('credentials.get', params, ctx);
    return {
      accessToken: SECRET_ACCESS_TOKEN,
      tokenType: 'Bearer' as const,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      accountId: 'acc',
      planType: 'plus',
    };
  }
  async 'auth.login'(params: unknown, ctx: CallContext) {
    this.record('auth.login', params, ctx);
    this.setStatus(statuses.signingIn(this.authorizeUrl));
    return { url: this.authorizeUrl, redirectUri: 'http://localhost:1455/auth/callback' };
  }
  async 'auth.wait'(params: unknown, ctx: CallContext) {
    this.record('auth.wait', params, ctx);
    return this.status;
  }
  async 'auth.cancel'(params: unknown, ctx: CallContext) {
    this.record('auth.cancel', params, ctx);
    const cancelled = this.status.state === 'signingIn';
    // Adding an account: cancelling goes back to the active one.
    this.activate(this.activeId);
    return { cancelled };
  }
  async 'auth.openUrl'(params: { url: string }, ctx: CallContext) {
    this.record('auth.openUrl', params, ctx);
    if (!params.url.includes('code=good')) {
      throw new KeybridgeError(
        'state_mismatch',
        'That redirect URL belongs to an earlier sign-in. Paste the address from the latest one.',
      );
    }
    const known = this.accounts.has(this.nextSignIn.accountId);
    this.setStatus(statuses.signedIn(this.nextSignIn, this.accounts.size - (known ? 1 : 0)));
    return this.status;
  }
  async 'auth.logout'(params: { account?: string; all?: boolean } | undefined, ctx: CallContext) {
    this.record('auth.logout', params, ctx);
    const gone = params?.all
      ? [...this.accounts.keys()]
      : params?.account
        ? [this.find(params.account)?.accountId].filter((x): x is string => !!x)
        : [this.activeId].filter((x): x is string => !!x);
    for (const id of gone) this.accounts.delete(id);
    // The most recently added remaining account takes over when the active one went.
    const stays = this.activeId !== null && this.accounts.has(this.activeId);
    this.activate(stays ? this.activeId : ([...this.accounts.keys()].pop() ?? null));
    return { revoked: true, signedOut: gone };
  }
  async 'accounts.list'(params: unknown, ctx: CallContext) {
    this.record('accounts.list', params, ctx);
    return this.accountList();
  }
  async 'accounts.switch'(params: { account: string; pin?: boolean }, ctx: CallContext) {
    this.record('accounts.switch', params, ctx);
    const target = this.find(params.account);
    if (!target) {
      const names = [...this.accounts.values()].map((x) => x.email ?? x.accountId).join(', ');
      throw new KeybridgeError('invalid_params', `No account "${params.account}". Known accounts: ${names}.`);
    }
    if (params.pin) this.pinned = true;
    this.activate(target.accountId);
    return this.accountList();
  }
  async 'accounts.setAutoSwitch'(params: { enabled: boolean }, ctx: CallContext) {
    this.record('accounts.setAutoSwitch', params, ctx);
    this.autoSwitch = params.enabled;
    this.emitAccounts();
    return this.accountList();
  }
  async 'accounts.setPinned'(params: { pinned: boolean }, ctx: CallContext) {
    this.record('accounts.setPinned', params, ctx);
    this.pinned = params.pinned;
    this.emitAccounts();
    return this.accountList();
  }
  async 'models.list'(params: unknown, ctx: CallContext) {
    this.record('models.list', params, ctx);
    return sampleModelList(this.status.selectedModel ?? null);
  }
  async 'models.select'(params: { slug: string }, ctx: CallContext) {
    this.record('models.select', params, ctx);
    this.setStatus({ ...this.status, selectedModel: params.slug });
    return sampleModelList(params.slug);
  }
  async 'usage.get'(params: unknown, ctx: CallContext) {
    this.record('usage.get', params, ctx);
    return sampleUsage();
  }

  private readonly tools = toolMethodStubs(
    (method, params, ctx) => this.record(method, params, ctx),
    () => ({
      accessToken: SECRET_ACCESS_TOKEN,
      tokenType: 'Bearer' as const,
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
      accountId: 'acc',
      planType: 'plus',
    }),
  );
  'credentials.invalidate': Service['credentials.invalidate'] = (p, c) =>
    this.tools['credentials.invalidate'](p, c);
  'tools.list': Service['tools.list'] = (p, c) => this.tools['tools.list'](p, c);
  'tools.decide': Service['tools.decide'] = (p, c) => this.tools['tools.decide'](p, c);
  'tools.revoke': Service['tools.revoke'] = (p, c) => this.tools['tools.revoke'](p, c);
  'codex.status': Service['codex.status'] = (p, c) => this.tools['codex.status'](p, c);
  'codex.enable': Service['codex.enable'] = (p, c) => this.tools['codex.enable'](p, c);
  'codex.disable': Service['codex.disable'] = (p, c) => this.tools['codex.disable'](p, c);
}
