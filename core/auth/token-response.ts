/**
 * Turning token endpoint answers (RFC 6749 §5.1 / §5.2) into a TokenSet or a KeybridgeError with the
 * right code: `relogin_required` only when the refresh token is gone for good, retryable otherwise.
 */
import * as oauth from 'oauth4webapi';
import { KeybridgeError } from '../errors';
import { decodeJwtPayload } from '../jwt';
import type { TokenSet } from './types';
import { cleanServerText, RELOGIN_MESSAGES, reloginCode } from './messages';
import { parseRetryAfter } from './http';

/** When a token response has no expires_in and the access token carries no readable `exp`. */
const FALLBACK_LIFETIME_MS = 60 * 60 * 1000;

/**
 * When a JWT access token expires, in the local clock. `exp` is in the server's clock, which may be minutes
 * off ours: with `iat` too, the lifetime (exp − iat) counted from now is used when it is sooner, so a server
 * clock running ahead can never make a token look longer-lived than it is.
 */
function jwtExpiresAt(token: string, now: number): number | undefined {
  const payload = decodeJwtPayload(token);
  if (!payload || typeof payload.exp !== 'number' || !Number.isFinite(payload.exp)) return undefined;
  const exp = payload.exp * 1000;
  const iat =
    typeof payload.iat === 'number' && Number.isFinite(payload.iat) ? payload.iat * 1000 : undefined;
  return iat !== undefined && exp > iat ? Math.min(exp, now + (exp - iat)) : exp;
}

/**
 * A processed token response as a TokenSet. `requireRefreshToken`: the code grant must yield one (Keybridge
 * is useless without it); a refresh may omit it, and then the old one stays valid (RFC 6749 §6).
 */
export function toTokenSet(
  body: oauth.TokenEndpointResponse,
  now: number,
  requireRefreshToken: boolean,
): TokenSet {
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw invalidTokenResponse('it has no access token', !requireRefreshToken);
  }
  if (body.token_type !== 'bearer') {
    throw invalidTokenResponse(
      `its token type is "${cleanServerText(body.token_type, 30)}", not Bearer`,
      false,
    );
  }
  const refreshToken =
    typeof body.refresh_token === 'string' && body.refresh_token !== '' ? body.refresh_token : undefined;
  if (requireRefreshToken && !refreshToken) {
    throw invalidTokenResponse('it has no refresh token, so Keybridge could not keep you signed in', false);
  }
  const expiresAt =
    typeof body.expires_in === 'number'
      ? now + body.expires_in * 1000
      : (jwtExpiresAt(body.access_token, now) ?? now + FALLBACK_LIFETIME_MS);
  return {
    accessToken: body.access_token,
    ...(refreshToken ? { refreshToken } : {}),
    ...(typeof body.id_token === 'string' ? { idToken: body.id_token } : {}),
    tokenType: 'Bearer',
    expiresAt,
    ...(typeof body.scope === 'string' ? { scope: body.scope } : {}),
  };
}

export function invalidTokenResponse(why: string, retryable: boolean, cause?: unknown): KeybridgeError {
  return new KeybridgeError(
    'invalid_token_response',
    `The sign-in server's token answer was not usable: ${why}. ${
      retryable
        ? 'Keybridge will try again.'
        : 'Start the sign-in again; if it keeps happening, check the provider settings.'
    }`,
    { cause, retryable },
  );
}

/** Pulls an OAuth-style error out of a JSON body: `{error, error_description}`, `{error: {code, message}}` or `{code}`. */
export function extractOAuthError(json: unknown): { error?: string; description?: string } {
  if (json === null || typeof json !== 'object') return {};
  const o = json as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  if (o.error && typeof o.error === 'object') {
    const inner = o.error as Record<string, unknown>;
    return {
      error: str(inner.code) ?? str(inner.type),
      description: str(inner.message) ?? str(o.error_description),
    };
  }
  return { error: str(o.error) ?? str(o.code), description: str(o.error_description) ?? str(o.message) };
}

/** A non-200 answer to a refresh grant (its body not yet read). */
export async function refreshHttpError(res: Response, now: number): Promise<KeybridgeError> {
  const retryAfterMs = parseRetryAfter(res.headers.get('retry-after'), now);
  let text = '';
  try {
    text = await res.text();
  } catch {
    // the body could not be read: classify by status alone
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  const { error, description } = extractOAuthError(json);
  const status = res.status;

  const relogin = status < 500 ? reloginCode(error, description) : undefined;
  if (relogin) {
    return new KeybridgeError(
      'relogin_required',
      RELOGIN_MESSAGES[relogin] ?? 'Sign in again to reconnect Keybridge.',
      {
        reloginRequired: true,
      },
    );
  }
  const detail = error
    ? `: ${cleanServerText(error, 60)}${description ? ` — ${cleanServerText(description)}` : ''}`
    : '';
  if (status >= 500 || status === 429 || status === 408) {
    const wait = retryAfterMs !== undefined ? ` in ${Math.ceil(retryAfterMs / 1000)} s` : '';
    return new KeybridgeError(
      'refresh_failed',
      `OpenAI could not refresh the session right now (HTTP ${status}${detail}). Keybridge keeps your session and will try again${wait}.`,
      { retryable: true, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) },
    );
  }
  return new KeybridgeError(
    'refresh_failed',
    `OpenAI refused to refresh the session (HTTP ${status}${detail}). If this keeps happening, sign out and sign in again.`,
  );
}
