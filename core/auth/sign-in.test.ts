/**
 * Sign-in end to end: the real OAuth client, a real oidc-provider issuing OpenAI-shaped tokens, and a real
 * Chromium clicking through the consent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completeSignIn, launchBrowser, type Browser } from '../../test/support/browser';
import { AUTH_CLAIM, startOidcServer, type OidcServer } from '../../test/support/oidc-server';
import {
  freePort,
  jwtPayload,
  occupyPort,
  portIsFree,
  providerFor,
  rejection,
} from '../../test/support/auth-fixtures';
import type { ProviderConfig } from '../config';
import { createOAuthClient, type OAuthClientOptions } from './client';

let oidc: OidcServer;
let browser: Browser;
beforeAll(async () => {
  [oidc, browser] = await Promise.all([
    startOidcServer({ accounts: { ada: { plan: 'team', accountId: 'acc-ada', email: 'ada@example.com' } } }),
    launchBrowser(),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await oidc?.close();
});

const client = (overrides: Partial<ProviderConfig> = {}, opts: OAuthClientOptions = {}) =>
  createOAuthClient(providerFor(oidc.issuer, oidc.clientId, overrides), opts);

describe('loopback sign-in', () => {
  it('returns tokens whose id_token and JWT access token carry the OpenAI auth claim', async () => {
    const logs: string[] = [];
    const c = client({}, { log: (m) => logs.push(m) });
    const attempt = await c.beginSignIn();

    const url = new URL(attempt.url);
    expect(url.origin + url.pathname).toBe(`${oidc.issuer}/oauth/authorize`);
    const q = url.searchParams;
    expect(q.get('client_id')).toBe(oidc.clientId);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('scope')).toBe('openid profile email offline_access');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('originator')).toBe('codex_cli_rs');
    expect(q.get('codex_cli_simplified_flow')).toBe('true');
    expect(q.get('redirect_uri')).toMatch(/^http:\/\/localhost:\d+\/auth\/callback$/);
    expect(attempt.redirectUri).toBe(q.get('redirect_uri'));

    const codeGrants = oidc.stats.codeGrants;
    const page = await completeSignIn(browser, attempt.url, { login: 'ada' });
    const tokens = await attempt.result;
    const t0 = Date.now();

    expect(oidc.stats.codeGrants).toBe(codeGrants + 1);
    expect(tokens.tokenType).toBe('Bearer');
    expect(tokens.refreshToken).toBeTruthy();
    const id = jwtPayload(tokens.idToken);
    expect(id.email).toBe('ada@example.com');
    expect(id[AUTH_CLAIM]).toEqual({
      chatgpt_plan_type: 'team',
      chatgpt_account_id: 'acc-ada',
      chatgpt_user_id: expect.stringMatching(/^user-/),
    });
    const at = jwtPayload(tokens.accessToken);
    expect(at[AUTH_CLAIM]).toEqual(id[AUTH_CLAIM]);
    expect(Math.abs((at.exp as number) * 1000 - (t0 + 3600_000))).toBeLessThan(10_000);
    expect(Math.abs(tokens.expiresAt - (t0 + 3600_000))).toBeLessThan(10_000);

    // The page the browser lands on says, in words, that it worked — and shows no secret.
    expect(page.status).toBe(200);
    expect(page.text).toContain("You're signed in to Keybridge.");
    expect(page.text).toContain('You can close this tab.');
    const code = new URL(page.finalUrl).searchParams.get('code')!;
    for (const secret of [code, tokens.accessToken, tokens.refreshToken!, tokens.idToken!]) {
      expect(page.text).not.toContain(secret);
      expect(logs.join('\n')).not.toContain(secret);
    }

    // The receiver is gone once the attempt settled.
    const port = Number(new URL(attempt.redirectUri).port);
    await expect.poll(() => portIsFree(port)).toBe(true);
  });

  it('takes the plan from a name+PLAN@ login when the account is not configured', async () => {
    const c = client();
    const attempt = await c.beginSignIn();
    await completeSignIn(browser, attempt.url, { login: 'grace+pro@example.com' });
    const tokens = await attempt.result;
    expect(jwtPayload(tokens.idToken)).toMatchObject({
      email: 'grace+pro@example.com',
      [AUTH_CLAIM]: { chatgpt_plan_type: 'pro' },
    });
  });

  it('refuses a redirect with a wrong state, and the real attempt still completes', async () => {
    const c = client();
    const attempt = await c.beginSignIn();
    const forged = `${attempt.redirectUri}?code=forged-code&state=not-the-state`;

    const viaApi = await rejection(c.handleRedirectUrl(forged));
    expect(viaApi.code).toBe('state_mismatch');
    expect(viaApi.message).toMatch(/does not belong to the sign-in in progress/);

    // The same forgery sent to the loopback receiver gets a failure page, and the receiver keeps listening.
    const res = await fetch(forged);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toMatch(/Sign-in did not complete/);
    expect(html).toMatch(/does not belong to the sign-in in progress/);
    expect(html).not.toContain('forged-code');

    const page = await completeSignIn(browser, attempt.url, { login: 'ada' });
    expect(page.text).toContain("You're signed in to Keybridge.");
    await expect(attempt.result).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('refuses the same callback URL a second time (callback_replayed) without a second exchange', async () => {
    const c = client();
    const attempt = await c.beginSignIn();
    const page = await completeSignIn(browser, attempt.url, { login: 'ada' });
    await attempt.result;
    const grants = oidc.stats.codeGrants;
    const replay = await rejection(c.handleRedirectUrl(page.finalUrl));
    expect(replay.code).toBe('callback_replayed');
    expect(replay.message).toMatch(/already used/);
    expect(oidc.stats.codeGrants).toBe(grants);
  });

  it('reports a declined consent as access_denied with its message, in Keybridge and on the page', async () => {
    const c = client();
    const attempt = await c.beginSignIn();
    const page = await completeSignIn(browser, attempt.url, { login: 'ada', deny: true });
    const e = await rejection(attempt.result);
    expect(e.code).toBe('access_denied');
    expect(e.message).toMatch(/You declined/);
    expect(e.message).toMatch(/Sign in again when ready/);
    expect(new URL(page.finalUrl).searchParams.get('error')).toBe('access_denied');
    expect(page.status).toBe(400);
    expect(page.text).toContain('Sign-in did not complete');
    expect(page.text).toMatch(/You declined/);
  });

  it('with the default endpoint layout (no discovery) signs in at {issuer}/oauth/*', async () => {
    const c = client({ discover: false });
    const attempt = await c.beginSignIn();
    expect(attempt.url.startsWith(`${oidc.issuer}/oauth/authorize?`)).toBe(true);
    await completeSignIn(browser, attempt.url, { login: 'ada' });
    await expect(attempt.result).resolves.toMatchObject({ tokenType: 'Bearer' });
  });
});

describe('discovery', () => {
  it('is fetched once per client and reused by later sign-ins', async () => {
    const c = client();
    const before = oidc.stats.discoveryRequests;
    const a = await c.beginSignIn();
    const b = await c.beginSignIn();
    expect(oidc.stats.discoveryRequests - before).toBe(1);
    await expect(a.result).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    b.cancel();
  });

  it('is not used at all with the default endpoint layout', async () => {
    const before = oidc.stats.discoveryRequests;
    const attempt = await client({ discover: false }).beginSignIn();
    attempt.cancel();
    expect(oidc.stats.discoveryRequests).toBe(before);
  });
});

describe('loopback ports', () => {
  it('says which port is busy and who may hold it when every port is taken', async () => {
    const held = await occupyPort();
    try {
      const e = await rejection(client({ loopbackPorts: [held.port] }).beginSignIn());
      expect(e.code).toBe('port_in_use');
      expect(e.message).toContain(`Port ${held.port} is in use`);
      expect(e.message).toMatch(/Codex CLI/);
    } finally {
      await held.close();
    }
  });

  it('falls back to the next port when the first is busy, and signs in through it', async () => {
    const held = await occupyPort();
    const second = await freePort();
    const logs: string[] = [];
    try {
      const c = client({ loopbackPorts: [held.port, second] }, { log: (m) => logs.push(m) });
      const attempt = await c.beginSignIn();
      expect(attempt.redirectUri).toBe(`http://localhost:${second}/auth/callback`);
      expect(logs.join('\n')).toContain(`port ${held.port} is busy`);
      const page = await completeSignIn(browser, attempt.url, { login: 'ada' });
      expect(page.finalUrl.startsWith(`http://localhost:${second}/auth/callback?`)).toBe(true);
      await expect(attempt.result).resolves.toMatchObject({ tokenType: 'Bearer' });
    } finally {
      await held.close();
    }
  });

  it('answers 404 for anything but GET /auth/callback', async () => {
    const c = client();
    const attempt = await c.beginSignIn();
    const base = new URL(attempt.redirectUri).origin;
    expect((await fetch(`${base}/`)).status).toBe(404);
    expect((await fetch(`${base}/favicon.ico`)).status).toBe(404);
    expect((await fetch(attempt.redirectUri, { method: 'POST', body: 'code=x&state=y' })).status).toBe(404);
    attempt.cancel();
    await expect(attempt.result).rejects.toMatchObject({ code: 'sign_in_cancelled' });
  });
});

describe('scheme redirect', () => {
  it('completes through handleRedirectUrl with the keybridge:// URL the browser was sent to', async () => {
    const c = client({ redirect: 'scheme' });
    const attempt = await c.beginSignIn();
    expect(attempt.redirectUri).toBe('keybridge://oauth/callback');
    expect(new URL(attempt.url).searchParams.get('redirect_uri')).toBe('keybridge://oauth/callback');
    const { finalUrl } = await completeSignIn(browser, attempt.url, { login: 'ada' });
    expect(finalUrl.startsWith('keybridge://oauth/callback?code=')).toBe(true);
    await c.handleRedirectUrl(finalUrl);
    const tokens = await attempt.result;
    expect(jwtPayload(tokens.accessToken)[AUTH_CLAIM]).toMatchObject({ chatgpt_account_id: 'acc-ada' });
  });

  it('reports a declined consent delivered by the scheme as access_denied', async () => {
    const c = client({ redirect: 'scheme' });
    const attempt = await c.beginSignIn();
    const { finalUrl } = await completeSignIn(browser, attempt.url, { login: 'ada', deny: true });
    await expect(c.handleRedirectUrl(finalUrl)).rejects.toMatchObject({ code: 'access_denied' });
    await expect(attempt.result).rejects.toMatchObject({ code: 'access_denied' });
  });
});

describe('ending an attempt', () => {
  it('times out, frees the port, and refuses a late redirect', async () => {
    const port = await freePort();
    const c = client({ loopbackPorts: [port] }, { signInTimeoutMs: 300 });
    const attempt = await c.beginSignIn();
    expect(attempt.expiresAt - attempt.startedAt).toBe(300);
    expect(await portIsFree(port)).toBe(false);
    const e = await rejection(attempt.result);
    expect(e.code).toBe('sign_in_timeout');
    expect(e.message).toMatch(/timed out/);
    expect(await portIsFree(port)).toBe(true);
    const state = new URL(attempt.url).searchParams.get('state');
    await expect(
      c.handleRedirectUrl(`${attempt.redirectUri}?code=late&state=${state}`),
    ).rejects.toMatchObject({
      code: 'no_sign_in_pending',
    });
  });

  it('cancel() rejects with sign_in_cancelled and frees the port', async () => {
    const port = await freePort();
    const c = client({ loopbackPorts: [port] });
    const attempt = await c.beginSignIn();
    attempt.cancel();
    await expect(attempt.result).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    expect(await portIsFree(port)).toBe(true);
  });

  it('a new sign-in cancels the pending one and can reuse its port', async () => {
    const port = await freePort();
    const c = client({ loopbackPorts: [port] });
    const first = await c.beginSignIn();
    const second = await c.beginSignIn();
    await expect(first.result).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    expect(second.redirectUri).toBe(`http://localhost:${port}/auth/callback`);
    await completeSignIn(browser, second.url, { login: 'ada' });
    await expect(second.result).resolves.toMatchObject({ tokenType: 'Bearer' });
  });

  it('a discovery failure names the issuer and is retryable', async () => {
    const issuer = `http://127.0.0.1:${await freePort()}`;
    const c = createOAuthClient(providerFor(issuer, 'x'), { requestTimeoutMs: 2000 });
    const e = await rejection(c.beginSignIn());
    expect(e.code).toBe('discovery_failed');
    expect(e.message).toContain(issuer);
    expect(e.retryable).toBe(true);
  });

  it('refuses plain http discovery of a non-loopback issuer', async () => {
    const c = createOAuthClient(providerFor('http://auth.example.invalid', 'x'), { requestTimeoutMs: 2000 });
    const e = await rejection(c.beginSignIn());
    expect(e.code).toBe('discovery_failed');
    expect(e.message).toMatch(/HTTPS/);
  });
});

describe('test browser helper', () => {
  it('reports the authorization server’s own error page instead of waiting for a login form', async () => {
    const attempt = await client().beginSignIn();
    const url = new URL(attempt.url);
    url.searchParams.set('redirect_uri', 'http://evil.example/auth/callback');
    await expect(completeSignIn(browser, url.href, { login: 'ada' })).rejects.toThrow(/redirect_uri/);
    attempt.cancel();
  });
});
