/**
 * The ChatGPT backend as Keybridge reads it (docs/design.md "Provider profile"): the model list and the usage
 * windows, both `GET` with `Authorization: Bearer <access token>` (RFC 6750 §2.1) and `ChatGPT-Account-Id`.
 *
 * The token comes from the session, which stays the one refresher: on a 401 (RFC 6750 §3.1 `invalid_token`)
 * the client asks the session for one refresh — only if the token that was refused is still the current
 * one — and retries once. A second 401 is an answer, not a reason to loop. The token is never logged.
 */
import type { Credentials, ModelInfo } from '../api/contract';
import { KeybridgeError, asKeybridgeError, redact } from '../errors';
import { safeText } from '../text/safe-text';
import { ModelsResponseError, visibleModels } from './models';
import { parseUsage, UsageResponseError, type ParsedUsage } from './usage';

/** What the client needs from the session (core/session's Session fits). */
export interface TokenSource {
  credentials(minTtlSeconds?: number): Promise<Credentials>;
  /** Single-flight refresh grant. */
  refresh(): Promise<unknown>;
}

export interface ChatgptClientOptions {
  /** `https://chatgpt.com/backend-api` or KEYBRIDGE_CHATGPT_BASE, without a trailing slash. */
  baseUrl: string;
  tokens: TokenSource;
  /** Sent as `client_version` with the model list (the server filters models by client version). */
  clientVersion: string;
  /** Per request, default 10 s. */
  timeoutMs?: number;
  fetch?: typeof fetch;
  log?: (line: string) => void;
}

export type ModelsAnswer =
  | { kind: 'list'; models: ModelInfo[]; etag: string | null }
  /** HTTP 304 to If-None-Match (RFC 9110 §13.1.2): the cached list is still current. */
  | { kind: 'notModified'; etag: string | null };

export interface ChatgptClient {
  models(etag?: string | null, signal?: AbortSignal): Promise<ModelsAnswer>;
  usage(signal?: AbortSignal, now?: number): Promise<ParsedUsage>;
}

/**
 * Any unexpired token will do for one GET: asking for more lifetime would make a model-list fetch force a
 * refresh the session's own timer had not yet planned (a 401 still gets its one refresh and retry).
 */
const MIN_TTL_SECONDS = 0;
const MAX_BODY_CHARS = 4 * 1024 * 1024;

export function createChatgptClient(opts: ChatgptClientOptions): ChatgptClient {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const log = (line: string) => opts.log?.(redact(line));
  const base = opts.baseUrl.replace(/\/+$/, '');

  async function once(
    url: string,
    creds: Credentials,
    headers: Record<string, string>,
    signal?: AbortSignal,
  ) {
    const h: Record<string, string> = {
      accept: 'application/json',
      authorization: `Bearer ${creds.accessToken}`,
      'user-agent': `keybridge/${opts.clientVersion}`,
      ...headers,
    };
    if (creds.accountId) h['chatgpt-account-id'] = creds.accountId;
    const timeout = AbortSignal.timeout(timeoutMs);
    try {
      return await doFetch(url, {
        method: 'GET',
        headers: h,
        redirect: 'error',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (e) {
      if (signal?.aborted) throw new KeybridgeError('chatgpt_unreachable', 'The request was cancelled.');
      const timedOut = timeout.aborted;
      const detail = timedOut ? `no answer within ${Math.round(timeoutMs / 1000)} s` : networkDetail(e);
      log(`chatgpt: GET ${pathOf(url)} failed: ${detail}`);
      throw new KeybridgeError(
        'chatgpt_unreachable',
        `ChatGPT could not be reached (${detail}). Check your internet connection.`,
        { cause: e, retryable: true },
      );
    }
  }

  /** GET with the session's token; one refresh and one retry on 401, never more. */
  async function get(path: string, headers: Record<string, string>, signal?: AbortSignal): Promise<Response> {
    const url = `${base}${path}`;
    let creds = await opts.tokens.credentials(MIN_TTL_SECONDS);
    let res = await once(url, creds, headers, signal);
    if (res.status !== 401) return res;
    await res.body?.cancel().catch(() => {});
    log(`chatgpt: GET ${pathOf(url)} answered 401; refreshing the session once`);
    // Someone else may have refreshed since this token was read: then the current token is the retry.
    const current = await opts.tokens.credentials(0);
    if (current.accessToken === creds.accessToken) await opts.tokens.refresh();
    creds = await opts.tokens.credentials(MIN_TTL_SECONDS);
    res = await once(url, creds, headers, signal);
    if (res.status === 401) {
      await res.body?.cancel().catch(() => {});
      log(`chatgpt: GET ${pathOf(url)} answered 401 again after a refresh; giving up`);
      throw new KeybridgeError(
        'chatgpt_denied',
        'ChatGPT did not accept this session even after a refresh. Sign out and sign in again.',
      );
    }
    return res;
  }

  async function failure(res: Response, what: string): Promise<never> {
    const text = await res.text().catch(() => '');
    log(`chatgpt: ${what} answered ${res.status}`);
    if (res.status === 403) {
      throw new KeybridgeError(
        'chatgpt_denied',
        `ChatGPT refused to show the ${what} for this account (HTTP 403).${serverDetail(text)}`,
      );
    }
    const retryAfter = Number(res.headers.get('retry-after'));
    throw new KeybridgeError(
      'chatgpt_error',
      `ChatGPT answered the ${what} request with HTTP ${res.status}.${serverDetail(text)}`,
      {
        retryable: res.status >= 500 || res.status === 429,
        retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      },
    );
  }

  async function json(res: Response, what: string): Promise<unknown> {
    let text: string;
    try {
      text = await res.text();
    } catch (e) {
      throw new KeybridgeError('chatgpt_unreachable', `The ${what} answer was cut off. Try again.`, {
        cause: e,
        retryable: true,
      });
    }
    if (text.length > MAX_BODY_CHARS) throw badAnswer(what, 'it is too large');
    try {
      return JSON.parse(text);
    } catch {
      throw badAnswer(what, 'it is not JSON');
    }
  }

  return {
    async models(etag, signal) {
      const path = `/codex/models?client_version=${encodeURIComponent(opts.clientVersion)}`;
      const res = await get(path, etag ? { 'if-none-match': etag } : {}, signal);
      const newEtag = res.headers.get('etag');
      if (res.status === 304) {
        await res.body?.cancel().catch(() => {});
        return { kind: 'notModified', etag: newEtag ?? etag ?? null };
      }
      if (!res.ok) return failure(res, 'model list');
      const body = await json(res, 'model list');
      try {
        return { kind: 'list', models: visibleModels(body), etag: newEtag };
      } catch (e) {
        if (e instanceof ModelsResponseError) throw badAnswer('model list', e.message);
        throw asKeybridgeError(e);
      }
    },

    async usage(signal, now) {
      const res = await get('/wham/usage', {}, signal);
      if (!res.ok) return failure(res, 'usage');
      const body = await json(res, 'usage');
      try {
        return parseUsage(body, now ?? Date.now());
      } catch (e) {
        if (e instanceof UsageResponseError) throw badAnswer('usage', e.message);
        throw asKeybridgeError(e);
      }
    },
  };
}

function badAnswer(what: string, why: string): KeybridgeError {
  return new KeybridgeError(
    'chatgpt_error',
    `ChatGPT sent a ${what} Keybridge could not read (${why.replace(/\.$/, '')}). Try again later.`,
    { retryable: true },
  );
}

/** The server's own short explanation, when it sent one in the usual `{detail}` / `{error:{message}}` shapes. */
function serverDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { detail?: unknown; error?: { message?: unknown } | unknown };
    const msg =
      typeof body.detail === 'string'
        ? body.detail
        : body.error && typeof (body.error as { message?: unknown }).message === 'string'
          ? ((body.error as { message: string }).message as string)
          : undefined;
    return msg ? ` ${safeText(redact(msg), 200)}` : '';
  } catch {
    return '';
  }
}

function networkDetail(e: unknown): string {
  const cause = (e as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string' && cause.message) return cause.message;
  return e instanceof Error ? e.message : 'network error';
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}
