/**
 * Refresh (RFC 6749 §6) and revocation (RFC 7009) against the real test authorization server, with tokens
 * obtained through a real browser sign-in.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { completeSignIn, launchBrowser, type Browser } from '../../test/support/browser';
import { AUTH_CLAIM, startOidcServer, type OidcServer } from '../../test/support/oidc-server';
import { freePort, jwtPayload, providerFor, rejection } from '../../test/support/auth-fixtures';
import { createOAuthClient, type OAuthClientOptions } from './client';
import type { TokenSet } from './types';

let oidc: OidcServer;
let browser: Browser;
beforeAll(async () => {
  [oidc, browser] = await Promise.all([
    startOidcServer({
      accessTokenTtlSeconds: 600,
      accounts: { ada: { plan: 'plus', accountId: 'acc-ada' } },
    }),
    launchBrowser(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await oidc?.close();
});
beforeEach(() => oidc.setTokenEndpointFault(null));

const client = (opts: OAuthClientOptions = {}) =>
  createOAuthClient(providerFor(oidc.issuer, oidc.clientId), opts);

async function signIn(): Promise<TokenSet> {
  const c = client();
  const attempt = await c.beginSignIn();
  await completeSignIn(browser, attempt.url, { login: 'ada' });
  return attempt.result;
}

describe('refresh', () => {
  it('rotates the refresh token and returns a fresh access token with the same account claims', async () => {
    const first = await signIn();
    const grants = oidc.stats.refreshGrants;
    const refreshed = await client().refresh(first.refreshToken!);
    const t0 = Date.now();
    expect(oidc.stats.refreshGrants).toBe(grants + 1);
    expect(refreshed.refreshToken).toBeTruthy();
    expect(refreshed.refreshToken).not.toBe(first.refreshToken);
    expect(refreshed.accessToken).not.toBe(first.accessToken);
    expect(Math.abs(refreshed.expiresAt - (t0 + 600_000))).toBeLessThan(10_000);
    expect(jwtPayload(refreshed.accessToken)[AUTH_CLAIM]).toMatchObject({
      chatgpt_plan_type: 'plus',
      chatgpt_account_id: 'acc-ada',
    });
    // The new refresh token works in turn.
    await expect(client().refresh(refreshed.refreshToken!)).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('uses the injected clock for expiresAt', async () => {
    const first = await signIn();
    const refreshed = await client({ now: () => 5_000_000 }).refresh(first.refreshToken!);
    expect(refreshed.expiresAt).toBe(5_000_000 + 600_000);
  });

  it('a reused (already rotated) refresh token means sign in again — once, not a retry', async () => {
    const first = await signIn();
    const second = await client().refresh(first.refreshToken!);
    const e = await rejection(client().refresh(first.refreshToken!));
    expect(e.code).toBe('relogin_required');
    expect(e.reloginRequired).toBe(true);
    expect(e.retryable).toBe(false);
    expect(e.message).toMatch(/Sign in again/);
    // Like OpenAI, the reuse ends the whole grant: the newest token is dead too.
    await expect(client().refresh(second.refreshToken!)).rejects.toMatchObject({ code: 'relogin_required' });
  });

  it('revoke makes the refresh token unusable', async () => {
    const tokens = await signIn();
    const revocations = oidc.stats.revocations;
    await expect(client().revoke(tokens.refreshToken!, 'refresh_token')).resolves.toBe(true);
    expect(oidc.stats.revocations).toBe(revocations + 1);
    await expect(client().refresh(tokens.refreshToken!)).rejects.toMatchObject({
      code: 'relogin_required',
      reloginRequired: true,
    });
  });

  it.each([
    ['a 500', { status: 500 }],
    ['a 502 with an HTML body', { status: 502, body: '<html>Bad gateway</html>' }],
    ['a 429', { status: 429, body: '{"error":"rate_limited"}' }],
  ] as const)(
    '%s from the token endpoint is retryable, not a relogin, and keeps the refresh token',
    async (_n, fault) => {
      const tokens = await signIn();
      oidc.setTokenEndpointFault(fault);
      const e = await rejection(client().refresh(tokens.refreshToken!));
      expect(e.code).toBe('refresh_failed');
      expect(e.retryable).toBe(true);
      expect(e.reloginRequired).toBe(false);
      expect(e.message).toContain(`HTTP ${fault.status}`);
      expect(e.message).toMatch(/keeps your session/);
      oidc.setTokenEndpointFault(null);
      await expect(client().refresh(tokens.refreshToken!)).resolves.toMatchObject({ tokenType: 'Bearer' });
    },
  );

  it('passes Retry-After on as retryAfterMs', async () => {
    oidc.setTokenEndpointFault({ status: 503, retryAfter: 7 });
    const e = await rejection(client().refresh('whatever'));
    expect(e.code).toBe('refresh_failed');
    expect(e.retryAfterMs).toBe(7000);
    expect(e.message).toMatch(/try again in 7 s/);
  });

  it('a connection reset is a retryable network error', async () => {
    oidc.setTokenEndpointFault('reset');
    const e = await rejection(client().refresh('whatever'));
    expect(e.code).toBe('network');
    expect(e.retryable).toBe(true);
    expect(e.reloginRequired).toBe(false);
    expect(e.message).toContain(new URL(oidc.issuer).host);
  });

  it('a token endpoint that never answers times out as a retryable network error', async () => {
    oidc.setTokenEndpointFault('hang');
    const started = Date.now();
    const e = await rejection(client({ requestTimeoutMs: 400 }).refresh('whatever'));
    expect(Date.now() - started).toBeLessThan(5000);
    expect(e.code).toBe('network');
    expect(e.retryable).toBe(true);
    expect(e.message).toMatch(/no answer within/);
  });

  it('a malformed 200 answer is retryable, not a relogin', async () => {
    oidc.setTokenEndpointFault({ status: 200, body: '{"access_token": ', contentType: 'application/json' });
    const e = await rejection(client().refresh('whatever'));
    expect(e.code).toBe('refresh_failed');
    expect(e.retryable).toBe(true);
    expect(e.reloginRequired).toBe(false);
  });

  it('a 200 answer without an access token is an invalid token response', async () => {
    oidc.setTokenEndpointFault({ status: 200, body: '{"token_type":"Bearer","expires_in":60}' });
    const e = await rejection(client().refresh('whatever'));
    expect(e.code).toBe('invalid_token_response');
    expect(e.reloginRequired).toBe(false);
  });

  it.each([
    [400, '{"error":"refresh_token_expired"}', /expired/],
    [
      401,
      '{"error":{"code":"refresh_token_reused","message":"Your refresh token has already been used"}}',
      /used twice/,
    ],
    [401, '{"error":"invalid_grant","error_description":"refresh_token_invalidated"}', /revoked/],
  ] as const)('OpenAI-shaped %i %s means sign in again with its own message', async (status, body, text) => {
    oidc.setTokenEndpointFault({ status, body });
    const e = await rejection(client().refresh('whatever'));
    expect(e.code).toBe('relogin_required');
    expect(e.reloginRequired).toBe(true);
    expect(e.message).toMatch(text);
  });

  it('an unknown 4xx is neither a relogin nor retried', async () => {
    oidc.setTokenEndpointFault({
      status: 400,
      body: '{"error":"invalid_client","error_description":"no such client"}',
    });
    const e = await rejection(client().refresh('whatever'));
    expect(e.code).toBe('refresh_failed');
    expect(e.retryable).toBe(false);
    expect(e.reloginRequired).toBe(false);
    expect(e.message).toMatch(/invalid_client/);
  });

  it('an unreachable server is a retryable network error', async () => {
    const c = createOAuthClient(
      providerFor(`http://127.0.0.1:${await freePort()}`, 'x', { discover: false }),
    );
    const e = await rejection(c.refresh('whatever'));
    expect(e.code).toBe('network');
    expect(e.retryable).toBe(true);
  });
});

describe('revoke', () => {
  let bare: Server;
  let bareIssuer: string;
  let revokeHits = 0;
  beforeAll(async () => {
    // A server whose discovery announces no revocation endpoint, and whose /oauth/revoke never answers.
    bare = createServer((req, res) => {
      if (req.url === '/.well-known/openid-configuration') {
        res.writeHead(200, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            issuer: bareIssuer,
            authorization_endpoint: `${bareIssuer}/oauth/authorize`,
            token_endpoint: `${bareIssuer}/oauth/token`,
          }),
        );
        return;
      }
      if (req.url === '/oauth/revoke') revokeHits += 1; // and never answer
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', () => resolve()));
    bareIssuer = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    bare.closeAllConnections();
    return new Promise<void>((resolve) => bare.close(() => resolve()));
  });

  it('returns false when discovery announces no revocation endpoint, without sending anything', async () => {
    const c = createOAuthClient(providerFor(bareIssuer, 'x'));
    await expect(c.revoke('some-token', 'refresh_token')).resolves.toBe(false);
    expect(revokeHits).toBe(0);
  });

  it('gives up quickly and returns false when the server does not answer', async () => {
    const c = createOAuthClient(providerFor(bareIssuer, 'x', { discover: false }), { revokeTimeoutMs: 300 });
    const started = Date.now();
    await expect(c.revoke('some-token', 'access_token')).resolves.toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(revokeHits).toBe(1);
  });

  it('returns false, never throws, when the server is unreachable', async () => {
    const issuer = `http://127.0.0.1:${await freePort()}`;
    await expect(createOAuthClient(providerFor(issuer, 'x')).revoke('t', 'refresh_token')).resolves.toBe(
      false,
    );
    await expect(
      createOAuthClient(providerFor(issuer, 'x', { discover: false })).revoke('t', 'refresh_token'),
    ).resolves.toBe(false);
  });
});
