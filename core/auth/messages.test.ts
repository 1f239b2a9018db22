import { describe, expect, it } from 'vitest';
import { KeybridgeError } from '../errors';
import {
  authorizationError,
  cleanServerText,
  portInUseMessage,
  reloginCode,
  RELOGIN_MESSAGES,
} from './messages';

describe('authorization error table', () => {
  it('tells a user who declined that nothing broke and to sign in again when ready', () => {
    const e = authorizationError('access_denied', 'End-User aborted interaction');
    expect(e).toBeInstanceOf(KeybridgeError);
    expect(e.code).toBe('access_denied');
    expect(e.message).toMatch(/You declined/);
    expect(e.message).toMatch(/sign in again when ready/i);
    expect(e.retryable).toBe(false);
  });

  it('says a workspace without Codex has no Codex access, with what to do', () => {
    const e = authorizationError('missing_codex_entitlement');
    expect(e.code).toBe('missing_codex_entitlement');
    expect(e.message).toMatch(/This workspace has no Codex access/);
    expect(e.message).toMatch(/admin|another workspace|personal account/);
  });

  it.each([
    ['login_required', /log in/],
    ['consent_required', /approve/],
    ['temporarily_unavailable', /temporarily unavailable/],
    ['server_error', /internal error/],
  ])('maps %s to its own message (oauth_error)', (error, text) => {
    const e = authorizationError(error, 'ignored description');
    expect(e.code).toBe('oauth_error');
    expect(e.message).toMatch(text);
    expect(e.message).not.toMatch(/ignored description/);
  });

  it('marks the server-side hiccups as worth retrying and the user-side ones not', () => {
    expect(authorizationError('temporarily_unavailable').retryable).toBe(true);
    expect(authorizationError('server_error').retryable).toBe(true);
    expect(authorizationError('login_required').retryable).toBe(false);
  });

  it('passes any other error through as oauth_error with the description redacted', () => {
    const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';
    const e = authorizationError('invalid_scope', `bad scope; token ${jwt}; code=SECRETCODE123`);
    expect(e.code).toBe('oauth_error');
    expect(e.message).toMatch(/invalid_scope/);
    expect(e.message).toMatch(/bad scope/);
    expect(e.message).not.toContain(jwt);
    expect(e.message).not.toContain('SECRETCODE123');
    expect(e.message).toMatch(/Start the sign-in again/);
  });

  it('does not treat inherited object keys as known errors', () => {
    expect(authorizationError('constructor').code).toBe('oauth_error');
    expect(authorizationError('__proto__').message).toMatch(/__proto__/);
  });
});

describe('server text cleaning', () => {
  it('strips control characters and caps the length', () => {
    expect(cleanServerText('line1\r\nline2\u0007')).toBe('line1 line2');
    const long = cleanServerText('x'.repeat(500));
    expect(long.length).toBe(200);
    expect(long.endsWith('…')).toBe(true);
  });
});

describe('refresh errors that need a new sign-in', () => {
  it('recognises each OpenAI code as the error or inside the description', () => {
    expect(reloginCode('refresh_token_expired', undefined)).toBe('refresh_token_expired');
    expect(
      reloginCode('invalid_grant', 'Your refresh token has already been used (refresh_token_reused)'),
    ).toBe('refresh_token_reused');
    expect(reloginCode(undefined, 'refresh_token_invalidated')).toBe('refresh_token_invalidated');
    expect(reloginCode('invalid_grant', 'grant request is invalid')).toBe('invalid_grant');
  });

  it('does not treat other errors as a lost session', () => {
    expect(reloginCode('invalid_client', undefined)).toBeUndefined();
    expect(reloginCode('server_error', 'try later')).toBeUndefined();
    expect(reloginCode(undefined, undefined)).toBeUndefined();
  });

  it('has a distinct message per case, each ending in "sign in again"', () => {
    const messages = Object.values(RELOGIN_MESSAGES);
    expect(new Set(messages).size).toBe(messages.length);
    for (const m of messages) expect(m).toMatch(/Sign in again/);
    expect(RELOGIN_MESSAGES.refresh_token_reused).toMatch(/used twice|another app/);
    expect(RELOGIN_MESSAGES.refresh_token_expired).toMatch(/expired/);
  });
});

describe('port in use', () => {
  it('names the port and the likely holder', () => {
    const m = portInUseMessage([1455]);
    expect(m).toMatch(/Port 1455 is in use/);
    expect(m).toMatch(/Codex CLI/);
  });

  it('names every port tried', () => {
    expect(portInUseMessage([1455, 1457])).toMatch(/Ports 1455 and 1457 are in use/);
  });
});
