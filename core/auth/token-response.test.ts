import { describe, expect, it } from 'vitest';
import type * as oauth from 'oauth4webapi';
import { isLoopbackUrl, parseRetryAfter } from './http';
import { extractOAuthError, toTokenSet } from './token-response';

const body = (b: Record<string, unknown>) =>
  ({ token_type: 'bearer', ...b }) as unknown as oauth.TokenEndpointResponse;
const jwtWithExp = (exp: number) =>
  `eyJhbGciOiJub25lIn0.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`;

describe('toTokenSet', () => {
  it('computes expiresAt from expires_in and the given clock', () => {
    expect(
      toTokenSet(body({ access_token: 'a', refresh_token: 'r', expires_in: 3600 }), 1_000, true),
    ).toEqual({
      accessToken: 'a',
      refreshToken: 'r',
      tokenType: 'Bearer',
      expiresAt: 3_601_000,
    });
  });

  it('falls back to the access token JWT exp when expires_in is missing', () => {
    const t = toTokenSet(body({ access_token: jwtWithExp(2_000), refresh_token: 'r' }), 1_000, true);
    expect(t.expiresAt).toBe(2_000_000);
  });

  it('keeps id_token and scope', () => {
    const t = toTokenSet(
      body({ access_token: 'a', id_token: 'i', scope: 'openid', expires_in: 1 }),
      0,
      false,
    );
    expect(t).toMatchObject({ idToken: 'i', scope: 'openid' });
    expect(t.refreshToken).toBeUndefined();
  });

  it('requires a refresh token only when asked (code grant), not on refresh', () => {
    expect(() => toTokenSet(body({ access_token: 'a', expires_in: 1 }), 0, true)).toThrow(/no refresh token/);
    expect(toTokenSet(body({ access_token: 'a', expires_in: 1 }), 0, false).refreshToken).toBeUndefined();
  });
});

describe('extractOAuthError', () => {
  it('reads the RFC 6749 §5.2 shape', () => {
    expect(extractOAuthError({ error: 'invalid_grant', error_description: 'gone' })).toEqual({
      error: 'invalid_grant',
      description: 'gone',
    });
  });

  it('reads the nested {error: {code, message}} shape', () => {
    expect(extractOAuthError({ error: { code: 'refresh_token_reused', message: 'used' } })).toEqual({
      error: 'refresh_token_reused',
      description: 'used',
    });
  });

  it('reads a bare {code} and ignores what is not an object', () => {
    expect(extractOAuthError({ code: 'refresh_token_expired' })).toEqual({ error: 'refresh_token_expired' });
    expect(extractOAuthError('nope')).toEqual({});
    expect(extractOAuthError(null)).toEqual({});
  });
});

describe('parseRetryAfter', () => {
  it('reads delay-seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Tue, 01 Jan 2029 00:00:30 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('isLoopbackUrl', () => {
  it('allows plain http only towards this machine', () => {
    expect(isLoopbackUrl('http://127.0.0.1:5/x')).toBe(true);
    expect(isLoopbackUrl('http://localhost/x')).toBe(true);
    expect(isLoopbackUrl('http://[::1]:8/x')).toBe(true);
    expect(isLoopbackUrl('http://auth.openai.com')).toBe(false);
    expect(isLoopbackUrl('http://127.0.0.1.example.com')).toBe(false);
    expect(isLoopbackUrl(undefined)).toBe(false);
  });
});
