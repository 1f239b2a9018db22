import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { providerFor } from '../../test/support/auth-fixtures';
import { isKeybridgeError } from '../errors';
import { createOAuthClient } from './client';
import { RetiredStates, constantTimeEqual } from './state';

describe('constantTimeEqual', () => {
  it('is plain equality in its answers', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false);
  });
});

describe('RetiredStates', () => {
  it('remembers why a state is no longer accepted', () => {
    const r = new RetiredStates();
    r.retire('a', 'used');
    r.retire('b', 'ended');
    expect(r.reason('a')).toBe('used');
    expect(r.reason('b')).toBe('ended');
    expect(r.reason('c')).toBeUndefined();
  });

  it('forgets the oldest entries beyond its limit', () => {
    const r = new RetiredStates(3);
    for (const s of ['1', '2', '3', '4']) r.retire(s, 'used');
    expect(r.reason('1')).toBeUndefined();
    expect(r.reason('4')).toBe('used');
  });
});

/**
 * The client's single-use rule, without a browser: a scheme-redirect attempt against a small real token
 * endpoint that counts exchanges and hands out a fixed token set for any code.
 */
describe('a redirect is honoured once', () => {
  let server: Server;
  let issuer: string;
  let exchanges = 0;
  const goodBody = { access_token: 'at-1', refresh_token: 'rt-1', token_type: 'Bearer', expires_in: 60 };
  let tokenBody: Record<string, unknown> = goodBody;
  beforeEach(() => {
    tokenBody = goodBody;
  });
  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/oauth/token') {
        exchanges += 1;
        req.resume();
        // A slow answer, so concurrent deliveries of the same redirect really overlap.
        setTimeout(
          () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(tokenBody)),
          100,
        );
        return;
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const client = () =>
    createOAuthClient(providerFor(issuer, 'test-client', { discover: false, redirect: 'scheme' }), {
      now: () => 1_000,
    });

  it('exchanges the code exactly once when the same redirect arrives twice at the same time', async () => {
    const c = client();
    const attempt = await c.beginSignIn();
    const state = new URL(attempt.url).searchParams.get('state');
    const redirect = `keybridge://oauth/callback?code=the-code&state=${state}`;
    const before = exchanges;
    const outcomes = await Promise.allSettled([c.handleRedirectUrl(redirect), c.handleRedirectUrl(redirect)]);
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(isKeybridgeError(rejected.reason, 'callback_replayed')).toBe(true);
    expect(exchanges - before).toBe(1);
    await expect(attempt.result).resolves.toMatchObject({
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      expiresAt: 61_000,
    });
  });

  it('refuses the same redirect later, even after a new attempt started', async () => {
    const c = client();
    const first = await c.beginSignIn();
    const redirect = `keybridge://oauth/callback?code=c1&state=${new URL(first.url).searchParams.get('state')}`;
    await c.handleRedirectUrl(redirect);
    const second = await c.beginSignIn();
    await expect(c.handleRedirectUrl(redirect)).rejects.toMatchObject({ code: 'callback_replayed' });
    second.cancel();
    await expect(second.result).rejects.toMatchObject({ code: 'sign_in_cancelled' });
  });

  it('leaves the attempt pending after a redirect with a foreign state, and then completes it', async () => {
    const c = client();
    const attempt = await c.beginSignIn();
    const before = exchanges;
    await expect(c.handleRedirectUrl('keybridge://oauth/callback?code=x&state=forged')).rejects.toMatchObject(
      {
        code: 'state_mismatch',
      },
    );
    await expect(c.handleRedirectUrl('keybridge://oauth/callback?error=access_denied')).rejects.toMatchObject(
      {
        code: 'state_mismatch',
      },
    );
    expect(exchanges).toBe(before);
    const state = new URL(attempt.url).searchParams.get('state');
    await c.handleRedirectUrl(`keybridge://oauth/callback?code=real&state=${state}`);
    await expect(attempt.result).resolves.toMatchObject({ accessToken: 'at-1' });
  });

  it('refuses an invalid URL without touching the attempt', async () => {
    const c = client();
    const attempt = await c.beginSignIn();
    await expect(
      c.handleRedirectUrl('https://evil.example/auth/callback?code=x&state=y'),
    ).rejects.toMatchObject({
      code: 'invalid_redirect_url',
    });
    const state = new URL(attempt.url).searchParams.get('state');
    await c.handleRedirectUrl(`keybridge://oauth/callback?code=real&state=${state}`);
    await expect(attempt.result).resolves.toMatchObject({ refreshToken: 'rt-1' });
  });

  it('says no sign-in is pending when there is none, and that an ended one has ended', async () => {
    const c = client();
    await expect(c.handleRedirectUrl('keybridge://oauth/callback?code=x&state=y')).rejects.toMatchObject({
      code: 'no_sign_in_pending',
    });
    const attempt = await c.beginSignIn();
    attempt.cancel();
    await expect(attempt.result).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    const state = new URL(attempt.url).searchParams.get('state');
    const late = c.handleRedirectUrl(`keybridge://oauth/callback?code=x&state=${state}`);
    await expect(late).rejects.toMatchObject({ code: 'no_sign_in_pending' });
    await expect(late).rejects.toThrow(/already ended/);
  });

  it.each([
    ['no refresh token', { access_token: 'at', token_type: 'Bearer', expires_in: 60 }, /no refresh token/],
    ['no access token', { refresh_token: 'rt', token_type: 'Bearer', expires_in: 60 }, /access_token/],
    ['a DPoP token type', { access_token: 'at', refresh_token: 'rt', token_type: 'DPoP' }, /not Bearer/],
  ])('fails the attempt with invalid_token_response when the token answer has %s', async (_n, body, text) => {
    tokenBody = body;
    const c = client();
    const attempt = await c.beginSignIn();
    const state = new URL(attempt.url).searchParams.get('state');
    const e = await c
      .handleRedirectUrl(`keybridge://oauth/callback?code=c&state=${state}`)
      .catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'invalid_token_response' });
    expect((e as Error).message).toMatch(text);
    await expect(attempt.result).rejects.toBe(e);
  });

  it('uses a fresh state and PKCE challenge for every attempt', async () => {
    const c = client();
    const a = await c.beginSignIn();
    const b = await c.beginSignIn();
    const pa = new URL(a.url).searchParams;
    const pb = new URL(b.url).searchParams;
    expect(pa.get('state')).not.toBe(pb.get('state'));
    expect(pa.get('code_challenge')).not.toBe(pb.get('code_challenge'));
    expect(pa.get('code_challenge_method')).toBe('S256');
    expect(pa.get('state')!.length).toBeGreaterThanOrEqual(32);
    await expect(a.result).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    b.cancel();
  });
});
