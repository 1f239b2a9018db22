import { describe, expect, it } from 'vitest';
import type { Status } from '../../core/api/contract';
import type { CallContext, Service } from '../../core/api/service';
import { sampleModelList, sampleUsage, accountListFor } from '../../test/support/account-fixtures';
import { KeybridgeError } from '../../core/errors';
import { sampleCodexStatus, sampleTools } from '../../test/support/tool-fixtures';
import { dispatchRendererCall, statusForRenderer } from './ipc-dispatch';

const ctx: CallContext = { transport: 'ipc' };
const status: Status = {
  state: 'signedIn',
  account: { email: 'ada@example.com', planType: 'plus', accountId: 'acc_1' },
  storage: { kind: 'safe-storage', protected: true, description: 'Keychain' },
};
const ACCESS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';

/** A service whose every method is observable, so a refused call is seen never to reach it. */
function recordingService(overrides: Partial<Service> = {}) {
  const calls: string[] = [];
  const rec =
    <T>(name: string, value: T) =>
    async (params: unknown) => {
      calls.push(`${name} ${JSON.stringify(params ?? null)}`);
      return value;
    };
  const service: Service = {
    hello: rec('hello', { protocol: 1, server: { name: 'keybridge', version: '0' } }),
    'status.get': rec('status.get', status),
    'credentials.get': rec('credentials.get', {
      accessToken: ACCESS_TOKEN,
      tokenType: 'Bearer' as const,
      expiresAt: '2030-01-01T00:00:00Z',
      accountId: null,
      planType: null,
    }),
    'auth.login': rec('auth.login', {
      url: 'https://auth.example/authorize?x=1',
      redirectUri: 'http://localhost:1455/auth/callback',
    }),
    'auth.wait': rec('auth.wait', status),
    'auth.cancel': rec('auth.cancel', { cancelled: true }),
    'auth.openUrl': rec('auth.openUrl', status),
    'auth.logout': rec('auth.logout', { revoked: true, signedOut: ['acc'] }),
    'models.list': rec('models.list', sampleModelList()),
    'models.select': rec('models.select', sampleModelList('gpt-5.1')),
    'usage.get': rec('usage.get', sampleUsage()),
    'accounts.list': rec('accounts.list', accountListFor(status)),
    'accounts.switch': rec('accounts.switch', accountListFor(status)),
    'accounts.setAutoSwitch': rec('accounts.setAutoSwitch', accountListFor(status, { autoSwitch: true })),
    'accounts.setPinned': rec('accounts.setPinned', accountListFor(status, { pinned: true })),
    'credentials.invalidate': rec('credentials.invalidate', {
      accessToken: ACCESS_TOKEN,
      tokenType: 'Bearer' as const,
      expiresAt: '2030-01-01T00:00:00Z',
      accountId: null,
      planType: null,
    }),
    'tools.list': rec('tools.list', sampleTools()),
    'tools.decide': rec('tools.decide', sampleTools()),
    'tools.revoke': rec('tools.revoke', sampleTools()),
    'codex.status': rec('codex.status', sampleCodexStatus()),
    'codex.enable': rec('codex.enable', sampleCodexStatus(true)),
    'codex.disable': rec('codex.disable', sampleCodexStatus()),
    onStatus: () => () => {},
    ...overrides,
  };
  return { service, calls };
}

describe('dispatchRendererCall', () => {
  it('runs a granted method and returns its schema-checked result', async () => {
    const { service, calls } = recordingService();
    const res = await dispatchRendererCall(
      service,
      { method: 'auth.openUrl', params: { url: 'keybridge://oauth/callback?code=x' } },
      ctx,
    );
    expect(res).toEqual({ ok: true, result: status });
    expect(calls).toEqual(['auth.openUrl {"url":"keybridge://oauth/callback?code=x"}']);
  });

  it('never lets the window ask for credentials or other broker-only methods', async () => {
    const { service, calls } = recordingService();
    for (const method of [
      'credentials.get',
      'auth.wait',
      'hello',
      'subscribe',
      'toString',
      '__proto__',
      'constructor',
    ]) {
      const res = await dispatchRendererCall(service, { method }, ctx);
      expect(res).toMatchObject({ ok: false, error: { code: 'method_not_allowed' } });
      expect(JSON.stringify(res)).not.toContain(ACCESS_TOKEN);
    }
    expect(calls).toEqual([]);
  });

  it('refuses params outside the contract before the service sees them', async () => {
    const { service, calls } = recordingService();
    expect(await dispatchRendererCall(service, { method: 'auth.openUrl', params: {} }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'invalid_params' },
    });
    expect(
      await dispatchRendererCall(service, { method: 'status.get', params: { extra: true } }, ctx),
    ).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
    expect(await dispatchRendererCall(service, 'status.get', ctx)).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(calls).toEqual([]);
  });

  it('drops fields a result schema does not name (a token cannot ride along)', async () => {
    const leaky = {
      ...status,
      accessToken: ACCESS_TOKEN,
      account: { ...status.account, refreshToken: 'rt_secret_value' },
    };
    const { service } = recordingService({ 'status.get': async () => leaky as Status });
    const res = await dispatchRendererCall(service, { method: 'status.get' }, ctx);
    expect(res.ok).toBe(true);
    expect(JSON.stringify(res)).not.toContain(ACCESS_TOKEN);
    expect(JSON.stringify(res)).not.toContain('rt_secret_value');
  });

  it('answers a result that breaks its schema with an error, not the data', async () => {
    const { service } = recordingService({ 'auth.cancel': async () => ({ cancelled: 'yes' }) as never });
    expect(await dispatchRendererCall(service, { method: 'auth.cancel' }, ctx)).toMatchObject({
      ok: false,
      error: { code: 'internal' },
    });
  });

  it('passes a KeybridgeError code on and redacts anything token-shaped from messages', async () => {
    const { service } = recordingService({
      'auth.login': async () => {
        throw new KeybridgeError('port_in_use', 'Port 1455 is in use.');
      },
      'auth.logout': async () => {
        throw new Error(`upstream said Bearer ${ACCESS_TOKEN}`);
      },
    });
    expect(await dispatchRendererCall(service, { method: 'auth.login' }, ctx)).toEqual({
      ok: false,
      error: { code: 'port_in_use', message: 'Port 1455 is in use.' },
    });
    const res = await dispatchRendererCall(service, { method: 'auth.logout' }, ctx);
    expect(res).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(JSON.stringify(res)).not.toContain(ACCESS_TOKEN);
  });
});

describe('statusForRenderer', () => {
  it('keeps only the fields of Status', () => {
    expect(statusForRenderer({ ...status, refreshToken: 'rt_secret_value' })).toEqual(status);
    expect(statusForRenderer({ state: 'nonsense' })).toBeUndefined();
  });
});
