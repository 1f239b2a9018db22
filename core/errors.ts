/**
 * The one error class of the core. Every failure a user can meet has a stable `code`; the message is plain
 * language with the next step, never a token. `cause` keeps the underlying error for logs (redacted).
 */
export type ErrorCode =
  // sign-in (core/auth)
  | 'port_in_use'
  | 'state_mismatch'
  | 'callback_replayed'
  | 'access_denied'
  | 'missing_codex_entitlement'
  | 'oauth_error'
  | 'sign_in_timeout'
  | 'sign_in_cancelled'
  | 'no_sign_in_pending'
  | 'invalid_redirect_url'
  | 'token_exchange_failed'
  | 'discovery_failed'
  | 'invalid_token_response'
  // session
  | 'not_signed_in'
  | 'refresh_failed'
  | 'relogin_required'
  | 'network'
  // vault
  | 'vault_unreadable'
  | 'cipher_unavailable'
  // ChatGPT backend (core/account: models, usage)
  | 'chatgpt_unreachable'
  | 'chatgpt_error'
  | 'chatgpt_denied'
  // host / broker / config
  | 'host_already_running'
  | 'host_not_running'
  | 'config_invalid'
  | 'access_denied_tool'
  | 'approval_timeout'
  // sharing with Codex CLI (core/codex)
  | 'codex_login_exists'
  | 'codex_write_failed'
  | 'invalid_params'
  | 'internal';

export interface ErrorOptions {
  cause?: unknown;
  /** A network-level failure that may succeed when tried again. */
  retryable?: boolean;
  /** The refresh token is gone for good: only a new sign-in helps. */
  reloginRequired?: boolean;
  /** The server asked to wait this long before trying again (HTTP Retry-After), in milliseconds. */
  retryAfterMs?: number;
  /** Facts a caller can act on (sent as the JSON-RPC error's `data`), e.g. the known accounts. Never a token. */
  data?: Record<string, unknown>;
}

export class KeybridgeError extends Error {
  override readonly name = 'KeybridgeError';
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly reloginRequired: boolean;
  readonly retryAfterMs?: number;
  readonly data?: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.reloginRequired = options.reloginRequired ?? false;
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
    if (options.data !== undefined) this.data = options.data;
  }

  toJSON(): { code: ErrorCode; message: string } {
    return { code: this.code, message: this.message };
  }
}

export function isKeybridgeError(e: unknown, code?: ErrorCode): e is KeybridgeError {
  return e instanceof KeybridgeError && (code === undefined || e.code === code);
}

/** Anything thrown, as a KeybridgeError (unknown errors become `internal`, with a redacted message). */
export function asKeybridgeError(e: unknown): KeybridgeError {
  if (e instanceof KeybridgeError) return e;
  const message = e instanceof Error ? redact(e.message) : 'Unexpected error';
  return new KeybridgeError('internal', message, { cause: e });
}

const JWT_LIKE = /eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const BEARER = /(Bearer\s+)[A-Za-z0-9._~+/=-]{8,}/gi;
const TOKEN_FIELDS =
  /("?(?:access_token|refresh_token|id_token|accessToken|refreshToken|idToken|code|code_verifier)"?\s*[:=]\s*"?)[^"&\s,}]{6,}/g;

/** Removes anything shaped like a token from text meant for logs, errors or the screen. */
export function redact(text: string): string {
  return text
    .replace(JWT_LIKE, '[redacted-jwt]')
    .replace(BEARER, '$1[redacted]')
    .replace(TOKEN_FIELDS, '$1[redacted]');
}
