/**
 * Device-code sign-in against the real test authorization server (oidc-provider behind Codex CLI's device
 * endpoints, test/support/oidc-device.ts): a person (plain HTTP here; a real Chromium in e2e/device-sign-in)
 * types the code on the device page and signs in; the client polls, gets the code and exchanges it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwtPayload, providerFor, rejection } from '../../test/support/auth-fixtures';
import { enterDeviceCode } from '../../test/support/http-sign-in';
import { AUTH_CLAIM, startOidcServer, type OidcServer } from '../../test/support/oidc-server';
import { createOAuthClient, type OAuthClientOptions } from './client';
import { DEVICE_DISABLED_MESSAGE } from './device-code';

let oidc: OidcServer;
beforeAll(async () => {
  oidc = await startOidcServer({
    accounts: { ada: { plan: 'pro', accountId: 'acc-ada', email: 'ada@example.com' } },
    device: { intervalSeconds: 1 },
  });
});
afterAll(async () => {
  await oidc?.close();
});

const client = (opts: OAuthClientOptions = {}) =>
  createOAuthClient(providerFor(oidc.issuer, oidc.clientId), { requestTimeoutMs: 5000, ...opts });

describe('device-code sign-in', () => {
  it('signs in once the code is entered on the device page, polling no faster than the interval', async () => {
    const polls = oidc.device.stats.polls.length;
    const grants = oidc.stats.codeGrants;
    const attempt = await client().beginDeviceSignIn();
    expect(attempt.device?.verificationUrl).toBe(`${oidc.issuer}/codex/device`);
    expect(attempt.device?.userCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(attempt.redirectUri).toBe(`${oidc.issuer}/deviceauth/callback`);
    // Codex CLI's 15 minutes.
    expect(attempt.expiresAt - attempt.startedAt).toBe(15 * 60 * 1000);

    // Let the device poll a few times while nobody has entered the code (403: pending).
    await until(() => oidc.device.stats.polls.length >= polls + 2);
    await enterDeviceCode(attempt.device!.verificationUrl, attempt.device!.userCode, 'ada');
    const tokens = await attempt.result;

    expect(oidc.stats.codeGrants).toBe(grants + 1);
    expect(tokens.refreshToken).toBeTruthy();
    expect(jwtPayload(tokens.idToken)[AUTH_CLAIM]).toMatchObject({ chatgpt_account_id: 'acc-ada' });
    const times = oidc.device.stats.polls.slice(polls);
    expect(times.length).toBeGreaterThanOrEqual(3);
    for (let i = 1; i < times.length; i += 1) {
      // interval "1": never two polls within a second of each other.
      expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(999);
    }
  });

  it('accepts the code spelled "usercode", as Codex CLI does', async () => {
    const other = await startOidcServer({ device: { spellUserCode: 'usercode' } });
    try {
      const c = createOAuthClient(providerFor(other.issuer, other.clientId));
      const attempt = await c.beginDeviceSignIn();
      expect(attempt.device?.userCode).toMatch(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
      attempt.cancel();
      await rejection(attempt.result);
    } finally {
      await other.close();
    }
  });

  it('says how to turn device sign-in on when the server answers 404', async () => {
    oidc.device.setEnabled(false);
    try {
      const error = await rejection(client().beginDeviceSignIn());
      expect(error.code).toBe('device_auth_disabled');
      expect(error.message).toBe(DEVICE_DISABLED_MESSAGE);
      expect(error.message).toContain('device code authorization for Codex');
      expect(error.message).toContain('Settings → Security');
    } finally {
      oidc.device.setEnabled(true);
    }
  });

  it('ends with its own message when the code expires before anyone enters it', async () => {
    const attempt = await client({ deviceCodeTtlMs: 1500 }).beginDeviceSignIn();
    const error = await rejection(attempt.result);
    expect(error.code).toBe('device_code_expired');
    expect(error.message).toMatch(/code expired/);
  });

  it('reports the server forgetting the code (expired_token) as expiry', async () => {
    const shortLived = await startOidcServer({ device: { intervalSeconds: 1, codeTtlSeconds: 1 } });
    try {
      const c = createOAuthClient(providerFor(shortLived.issuer, shortLived.clientId));
      const attempt = await c.beginDeviceSignIn();
      const error = await rejection(attempt.result);
      expect(error.code).toBe('device_code_expired');
    } finally {
      await shortLived.close();
    }
  });

  it('stops polling when cancelled, and a new sign-in cancels the one before', async () => {
    const c = client();
    const first = await c.beginDeviceSignIn();
    const second = await c.beginDeviceSignIn();
    expect((await rejection(first.result)).code).toBe('sign_in_cancelled');
    second.cancel();
    const error = await rejection(second.result);
    expect(error.code).toBe('sign_in_cancelled');
    const polls = oidc.device.stats.polls.length;
    await new Promise((r) => setTimeout(r, 1500));
    expect(oidc.device.stats.polls.length).toBe(polls);
  });

  it('has its own message when the server cannot be reached', async () => {
    const gone = await startOidcServer();
    const c = createOAuthClient(providerFor(gone.issuer, gone.clientId), { requestTimeoutMs: 2000 });
    await gone.close();
    const error = await rejection(c.beginDeviceSignIn());
    expect(error.code).toBe('network');
    expect(error.message).toMatch(/Could not reach 127\.0\.0\.1:\d+ to start the device sign-in/);
  });
});

async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((r) => setTimeout(r, 25));
  }
}
