/**
 * For the web transport's tests only: a real object implementing Service, whose status changes the way the
 * host's does (sign-in starts, a redirect URL finishes it, sign-out ends it) and which records every call.
 * `credentials.get` hands out a token, so tests can prove the browser can never reach it.
 */
import type { MethodName, Status } from '../../core/api/contract';
import type { CallContext, Service } from '../../core/api/service';
import { accountListFor, sampleModelList, sampleUsage } from './account-fixtures';
import { KeybridgeError } from '../../core/errors';
import { toolMethodStubs } from './tool-fixtures';

export const SECRET_ACCESS_TOKEN = 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhZGEifQ.c2VjcmV0LXNpZ25hdHVyZQ';

const storage = { kind: 'os-keyring', protected: true, description: 'System keyring (Secret Service)' };

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
  signedIn: (): Status => ({
    state: 'signedIn',
    storage,
    account: {
      email: 'ada@example.com',
      planType: 'plus',
      accountId: 'a1b2c3d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',
    },
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
  private readonly listeners = new Set<(s: Status) => void>();

  setStatus(status: Status): void {
    this.status = status;
    for (const l of this.listeners) l(status);
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
    this.setStatus(statuses.signedOut());
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
    this.setStatus(statuses.signedIn());
    return this.status;
  }
  async 'auth.logout'(params: unknown, ctx: CallContext) {
    this.record('auth.logout', params, ctx);
    const signedOut = this.status.account?.accountId ? [this.status.account.accountId] : [];
    this.setStatus(statuses.signedOut());
    return { revoked: true, signedOut };
  }
  async 'accounts.list'(params: unknown, ctx: CallContext) {
    this.record('accounts.list', params, ctx);
    return accountListFor(this.status);
  }
  async 'accounts.switch'(params: { account: string; pin?: boolean }, ctx: CallContext) {
    this.record('accounts.switch', params, ctx);
    return accountListFor(this.status, { pinned: params.pin === true });
  }
  async 'accounts.setAutoSwitch'(params: { enabled: boolean }, ctx: CallContext) {
    this.record('accounts.setAutoSwitch', params, ctx);
    return accountListFor(this.status, { autoSwitch: params.enabled });
  }
  async 'accounts.setPinned'(params: { pinned: boolean }, ctx: CallContext) {
    this.record('accounts.setPinned', params, ctx);
    return accountListFor(this.status, { pinned: params.pinned });
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
