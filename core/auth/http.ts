/**
 * Transport details shared by every request the OAuth client makes: a timeout on each one, plain http only
 * towards loopback (a local test or dev server), an injectable fetch, and network failures turned into
 * retryable KeybridgeErrors.
 */
import * as oauth from 'oauth4webapi';
import { KeybridgeError, redact, type ErrorCode } from '../errors';

export const REQUEST_TIMEOUT_MS = 15_000;
export const REVOKE_TIMEOUT_MS = 3_000;

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for an http(s) URL on this machine: the only place Keybridge accepts plain http. */
export function isLoopbackUrl(url: string | URL | undefined): boolean {
  if (url === undefined) return false;
  try {
    return LOOPBACK_HOSTS.has(new URL(url).hostname);
  } catch {
    return false;
  }
}

/**
 * The issuer as a URL, refused with `code` unless it parses and is https (plain http only on loopback): the
 * rule every request to the issuer follows, checked before the first one (discovery, device sign-in).
 */
export function issuerUrl(issuer: string, code: ErrorCode): URL {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch (e) {
    throw new KeybridgeError(code, `The issuer "${issuer}" is not a valid URL. Check KEYBRIDGE_ISSUER.`, {
      cause: e,
    });
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackUrl(url))) {
    throw new KeybridgeError(code, `The issuer ${issuer} must use HTTPS. Check KEYBRIDGE_ISSUER.`);
  }
  return url;
}

export interface Transport {
  fetch?: typeof fetch;
  timeoutMs: number;
}

/** oauth4webapi request options for a request to `endpoint`. */
export function requestOptions<M, B = undefined>(
  endpoint: string | URL | undefined,
  t: Transport,
): oauth.HttpRequestOptions<M, B> {
  const options: oauth.HttpRequestOptions<M, B> = {
    signal: AbortSignal.timeout(t.timeoutMs),
  };
  // Deprecated in oauth4webapi only to make it stand out; we allow it for loopback hosts alone.
  if (isLoopbackUrl(endpoint)) options[oauth.allowInsecureRequests] = true;
  if (t.fetch) {
    const f = t.fetch;
    options[oauth.customFetch] = (url, init) => f(url, init as RequestInit);
  }
  return options;
}

export function hostOf(url: string | undefined): string {
  if (!url) return 'the sign-in server';
  try {
    return new URL(url).host;
  } catch {
    return 'the sign-in server';
  }
}

/** Is this a failure to talk to the server at all (no answer, cut connection, timeout)? */
export function isNetworkFailure(e: unknown): boolean {
  if (e instanceof DOMException) return e.name === 'TimeoutError' || e.name === 'AbortError';
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) return true;
  // undici: TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' | 'ECONNRESET' | 'UND_ERR_SOCKET' … } })
  return (
    e instanceof TypeError &&
    (e.message === 'fetch failed' || e.message.startsWith('terminated') || e.cause !== undefined)
  );
}

/** A short, token-free description of a network failure. */
export function describeNetworkFailure(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return `no answer within ${Math.round(timeoutMs / 1000)} s`;
  }
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  const code = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
  return redact(String(code));
}

export function networkError(
  code: ErrorCode,
  e: unknown,
  host: string,
  timeoutMs: number,
  next: string,
): KeybridgeError {
  return new KeybridgeError(
    code,
    `Could not reach ${host} (${describeNetworkFailure(e, timeoutMs)}). ${next}`,
    {
      cause: e,
      retryable: true,
    },
  );
}

/** RFC 9110 §10.2.3 Retry-After: delay-seconds or an HTTP-date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
