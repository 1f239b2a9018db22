/**
 * Plain-language messages for what the authorization server can answer, each with the next step.
 * One table for the authorization response (`error=` on the redirect, RFC 6749 §4.1.2.1) and one for
 * refresh failures (RFC 6749 §5.2 plus OpenAI's own codes, docs/design.md "Provider profile").
 */
import { KeybridgeError, redact, type ErrorCode } from '../errors';
import { safeText } from '../text/safe-text';

interface MessageEntry {
  code: ErrorCode;
  message: string;
  retryable?: boolean;
}

/** `error=` values of an authorization response and what the user reads. */
export const AUTHORIZATION_ERROR_MESSAGES: Readonly<Record<string, MessageEntry>> = {
  access_denied: {
    code: 'access_denied',
    message:
      'You declined the sign-in in the browser, so Keybridge was not connected. Sign in again when ready.',
  },
  missing_codex_entitlement: {
    code: 'missing_codex_entitlement',
    message:
      'This workspace has no Codex access. Ask your workspace admin to enable Codex, or sign in again and pick a personal account or another workspace.',
  },
  login_required: {
    code: 'oauth_error',
    message: 'OpenAI needs you to log in first. Start the sign-in again and log in on the page that opens.',
  },
  consent_required: {
    code: 'oauth_error',
    message:
      'OpenAI needs your approval before Keybridge can connect. Start the sign-in again and approve the request.',
  },
  temporarily_unavailable: {
    code: 'oauth_error',
    message: 'OpenAI’s sign-in service is temporarily unavailable. Wait a few minutes, then sign in again.',
    retryable: true,
  },
  server_error: {
    code: 'oauth_error',
    message: 'OpenAI’s sign-in service had an internal error. Wait a moment, then sign in again.',
    retryable: true,
  },
};

/**
 * Server-supplied text is untrusted: runs of C0 controls (line breaks, bells) become one space, anything
 * else unsafe (C1, bidi, zero-width) is escaped by the one escaper (core/text/safe-text.ts), anything
 * token-shaped is redacted, and the length is capped.
 */
export function cleanServerText(text: string, max = 200): string {
  // eslint-disable-next-line no-control-regex
  return safeText(redact(text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim()), max);
}

/** The KeybridgeError for an `error=` authorization response. */
export function authorizationError(error: string, description?: string): KeybridgeError {
  const known = Object.hasOwn(AUTHORIZATION_ERROR_MESSAGES, error)
    ? AUTHORIZATION_ERROR_MESSAGES[error]
    : undefined;
  if (known) return new KeybridgeError(known.code, known.message, { retryable: known.retryable ?? false });
  const detail = description ? `: ${cleanServerText(description)}` : '';
  return new KeybridgeError(
    'oauth_error',
    `The sign-in failed (${cleanServerText(error, 60)}${detail}). Start the sign-in again; if it keeps failing, check Keybridge’s provider settings.`,
  );
}

/** Refresh answers that mean the refresh token is gone for good: only a new sign-in helps. */
export const RELOGIN_MESSAGES: Readonly<Record<string, string>> = {
  refresh_token_expired: 'Your OpenAI session has expired. Sign in again to reconnect Keybridge.',
  refresh_token_reused:
    'Your OpenAI session was ended because its refresh token was used twice — usually another app refreshed the same login. Sign in again, and let Keybridge be the only app that signs in.',
  refresh_token_invalidated:
    'Your OpenAI session was revoked (you signed out elsewhere or changed your password). Sign in again to reconnect Keybridge.',
  invalid_grant: 'OpenAI no longer accepts this session. Sign in again to reconnect Keybridge.',
};

/** Finds one of the RELOGIN_MESSAGES codes in an error code or its description. */
export function reloginCode(error: string | undefined, description: string | undefined): string | undefined {
  const codes = Object.keys(RELOGIN_MESSAGES);
  // Specific codes first: OpenAI may answer `invalid_grant` with "refresh_token_reused" in the description.
  for (const code of codes.filter((c) => c !== 'invalid_grant')) {
    if (error === code || description?.includes(code)) return code;
  }
  return error === 'invalid_grant' ? 'invalid_grant' : undefined;
}

/** `taken`: the loopback addresses found taken (e.g. `[::1]:1455`), named so the user can find the holder. */
export function portInUseMessage(ports: number[], taken: string[] = []): string {
  const list =
    ports.length === 1
      ? `Port ${ports[0]} is`
      : `Ports ${ports.slice(0, -1).join(', ')} and ${ports[ports.length - 1]} are`;
  const where = taken.length > 0 ? ` (taken: ${taken.join(', ')})` : '';
  return `${list} in use${where}, so Keybridge cannot receive the sign-in from the browser. Another sign-in — often Codex CLI (\`codex login\`) — may be holding it. Finish or close that sign-in, then try again.`;
}
