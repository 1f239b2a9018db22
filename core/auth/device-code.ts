/**
 * Device-code sign-in as Codex CLI speaks it (openai/codex `codex-rs/login/src/device_code_auth.rs`), for
 * machines no browser redirect can reach (a server over SSH, WSL, a container):
 *
 * 1. `POST {issuer}/api/accounts/deviceauth/usercode` `{"client_id"}` → `{device_auth_id, user_code (or
 *    "usercode"), interval}`, `interval` being seconds written as a string. 404: device sign-in is off.
 * 2. The user opens `{issuer}/codex/device` and types the code; it expires after 15 minutes.
 * 3. `POST {issuer}/api/accounts/deviceauth/token` `{device_auth_id, user_code}` every `interval` seconds:
 *    403 or 404 is "still pending"; 200 is `{authorization_code, code_challenge, code_verifier}` (the
 *    server made the PKCE pair).
 * 4. The code is exchanged at the token endpoint like any authorization code (RFC 6749 §4.1.3, RFC 7636
 *    §4.5) with `redirect_uri={issuer}/deviceauth/callback`. From there the session is like any other.
 *
 * The shape is RFC 8628's (device authorization grant), but not its wire format: these are OpenAI's own
 * JSON endpoints, so RFC 8628 is cited only where Keybridge follows its rules (the polling interval).
 */
import { createHash } from 'node:crypto';
import * as oauth from 'oauth4webapi';
import { z } from 'zod';
import { KeybridgeError } from '../errors';
import { exchangeCode } from './code-exchange';
import { describeNetworkFailure, hostOf, isNetworkFailure, issuerUrl, type Transport } from './http';
import { cleanServerText } from './messages';
import type { SignInAttempt, TokenSet } from './types';

/** Codex CLI gives up after 15 minutes (`max_wait`), as the page tells the user the code lasts. */
export const DEVICE_CODE_TTL_MS = 15 * 60 * 1000;
/** RFC 8628 §3.2: without an interval the client waits 5 s. */
const DEFAULT_INTERVAL_S = 5;
/** A "0" interval must not turn into a busy loop against the server. */
const MIN_INTERVAL_S = 1;
/** A polling request that cannot reach the server is retried at the next interval, this many times in a row. */
const MAX_POLL_NETWORK_FAILURES = 3;

export const DEVICE_DISABLED_MESSAGE =
  'Device sign-in is not turned on for this account. In ChatGPT, open Settings → Security and turn on ' +
  '"device code authorization for Codex" (in a workspace, an admin may have to), then try again — or use ' +
  'the browser sign-in (`keybridge login`).';

/** Step 1's answer. Codex accepts `user_code` or `usercode` (serde aliases) and an interval string. */
const UserCodeAnswer = z
  .object({
    device_auth_id: z.string().min(1).max(512),
    user_code: z.string().min(1).max(64).optional(),
    usercode: z.string().min(1).max(64).optional(),
    interval: z
      .string()
      .regex(/^\s*\d{1,4}\s*$/)
      .optional(),
  })
  .refine((a) => (a.user_code ?? a.usercode) !== undefined, { message: 'no user_code' });

/** Step 3's success answer. */
const CodeAnswer = z.object({
  authorization_code: z.string().min(1).max(4096),
  code_challenge: z.string().min(1).max(256),
  // RFC 7636 §4.1: 43–128 characters.
  code_verifier: z.string().min(43).max(128),
});

export interface DeviceInfo {
  verificationUrl: string;
  userCode: string;
  /** Seconds between polls. */
  intervalSeconds: number;
}

export interface DeviceSignInDeps {
  issuer: string;
  clientId: string;
  /** The token endpoint (discovered or OpenAI's layout). */
  getServer(): Promise<oauth.AuthorizationServer>;
  transport: Transport;
  now: () => number;
  log: (line: string) => void;
  /** How long the code is good for; Codex CLI's 15 minutes unless a test says otherwise. */
  ttlMs?: number;
}

/** A started device sign-in: the page and code to show, and the result of polling. */
export type DeviceAttempt = SignInAttempt & { readonly device: DeviceInfo };

export async function startDeviceSignIn(deps: DeviceSignInDeps): Promise<DeviceAttempt> {
  const base = deps.issuer.replace(/\/+$/, '');
  const api = `${base}/api/accounts/deviceauth`;
  issuerUrl(base, 'config_invalid');
  const host = hostOf(base);

  // Step 1.
  const first = await postJson(`${api}/usercode`, { client_id: deps.clientId }, deps.transport).catch(
    (e: unknown) => {
      throw isNetworkFailure(e)
        ? new KeybridgeError(
            'network',
            `Could not reach ${host} to start the device sign-in (${describeNetworkFailure(e, deps.transport.timeoutMs)}). Check your connection and try again.`,
            { cause: e, retryable: true },
          )
        : e;
    },
  );
  if (first.status === 404) throw new KeybridgeError('device_auth_disabled', DEVICE_DISABLED_MESSAGE);
  if (first.status !== 200) {
    throw new KeybridgeError(
      'device_auth_failed',
      `${host} refused to start a device sign-in (HTTP ${first.status}). Wait a moment and try again, or use the browser sign-in.`,
    );
  }
  const answer = UserCodeAnswer.safeParse(first.json);
  if (!answer.success) {
    throw new KeybridgeError(
      'device_auth_failed',
      `${host} answered the device sign-in request with something Keybridge cannot read. Try again, or use the browser sign-in.`,
    );
  }
  const deviceAuthId = answer.data.device_auth_id;
  const userCode = (answer.data.user_code ?? answer.data.usercode)!;
  const parsedInterval =
    answer.data.interval === undefined ? DEFAULT_INTERVAL_S : Number(answer.data.interval);
  const intervalSeconds = Math.max(MIN_INTERVAL_S, parsedInterval);

  const startedAt = deps.now();
  const expiresAt = startedAt + (deps.ttlMs ?? DEVICE_CODE_TTL_MS);
  const device: DeviceInfo = { verificationUrl: `${base}/codex/device`, userCode, intervalSeconds };
  const stop = new AbortController();
  let ended = false;
  deps.log(`Device sign-in started; polling every ${intervalSeconds} s`);

  // Steps 3 and 4.
  const poll = async (): Promise<TokenSet> => {
    let networkFailures = 0;
    for (;;) {
      // RFC 8628 §3.5: wait `interval` between requests, counted from the previous answer, so the server
      // never sees two polls closer together than that.
      const remaining = expiresAt - deps.now();
      await delay(Math.min(intervalSeconds * 1000, Math.max(0, remaining)), stop.signal);
      if (deps.now() >= expiresAt) throw expired(deps.ttlMs ?? DEVICE_CODE_TTL_MS);
      let res: { status: number; json: unknown };
      try {
        res = await postJson(
          `${api}/token`,
          { device_auth_id: deviceAuthId, user_code: userCode },
          deps.transport,
          stop.signal,
        );
      } catch (e) {
        if (stop.signal.aborted) throw stop.signal.reason;
        if (!isNetworkFailure(e) || ++networkFailures >= MAX_POLL_NETWORK_FAILURES) {
          throw new KeybridgeError(
            'network',
            `Lost the connection to ${host} while waiting for the code to be entered (${describeNetworkFailure(e, deps.transport.timeoutMs)}). Check your connection and start the sign-in again.`,
            { cause: e, retryable: true },
          );
        }
        continue;
      }
      networkFailures = 0;
      // 403 / 404: the code was not entered yet (Codex CLI keeps polling on both).
      if (res.status === 403 || res.status === 404) continue;
      if (res.status !== 200) throw pollFailure(res, host);
      const code = CodeAnswer.safeParse(res.json);
      if (!code.success || !pkceMatches(code.data.code_verifier, code.data.code_challenge)) {
        throw new KeybridgeError(
          'device_auth_failed',
          `${host} finished the device sign-in with an answer Keybridge cannot use. Start the sign-in again.`,
        );
      }
      return exchange(deps, base, code.data.authorization_code, code.data.code_verifier);
    }
  };

  const result = poll().finally(() => {
    ended = true;
  });
  // Callers may ignore an attempt they replaced: never let its rejection go unhandled.
  result.catch(() => undefined);
  return {
    url: device.verificationUrl,
    redirectUri: `${base}/deviceauth/callback`,
    startedAt,
    expiresAt,
    result,
    device,
    cancel(why = 'The sign-in was cancelled.') {
      if (!ended) stop.abort(new KeybridgeError('sign_in_cancelled', why));
    },
  };
}

/** Step 4: the code grant with the server-made verifier, through the same code as the browser sign-in. */
async function exchange(
  deps: DeviceSignInDeps,
  base: string,
  code: string,
  verifier: string,
): Promise<TokenSet> {
  const as = await deps.getServer();
  const client: oauth.Client = { client_id: deps.clientId };
  // oauth4webapi exchanges only codes that went through validateAuthResponse. This one never passed through
  // a browser: it came straight from the issuer's own endpoint over a connection Keybridge opened, so there
  // is no `state` to check (expectNoState) and the issuer is known, which is what RFC 9207's `iss` tells.
  const params = new URLSearchParams({ code });
  if (as.authorization_response_iss_parameter_supported) params.set('iss', as.issuer);
  const validated = oauth.validateAuthResponse(as, client, params, oauth.expectNoState);
  return exchangeCode({
    as,
    client,
    validated,
    redirectUri: `${base}/deviceauth/callback`,
    verifier,
    transport: deps.transport,
    now: deps.now,
  });
}

/** RFC 7636 §4.2 S256: a pair that does not match would only fail at the token endpoint, less clearly. */
function pkceMatches(verifier: string, challenge: string): boolean {
  return createHash('sha256').update(verifier).digest('base64url') === challenge;
}

function expired(ttlMs: number): KeybridgeError {
  const minutes = Math.round(ttlMs / 60_000);
  const span =
    minutes >= 1 ? `${minutes} minute${minutes === 1 ? '' : 's'}` : `${Math.round(ttlMs / 1000)} s`;
  return new KeybridgeError(
    'device_code_expired',
    `The sign-in code expired: it was not entered within ${span}. Start the sign-in again for a new code.`,
  );
}

function pollFailure(res: { status: number; json: unknown }, host: string): KeybridgeError {
  const error = (res.json as { error?: unknown } | null)?.error;
  // RFC 8628 §3.5's `expired_token` (or 410 Gone): the server forgot the code before we did.
  if (res.status === 410 || error === 'expired_token') return expired(DEVICE_CODE_TTL_MS);
  const detail = typeof error === 'string' ? `: ${cleanServerText(error, 60)}` : '';
  return new KeybridgeError(
    'device_auth_failed',
    `${host} ended the device sign-in (HTTP ${res.status}${detail}). Start the sign-in again.`,
  );
}

async function postJson(
  url: string,
  body: unknown,
  t: Transport,
  cancel?: AbortSignal,
): Promise<{ status: number; json: unknown }> {
  const timeout = AbortSignal.timeout(t.timeoutMs);
  const signal = cancel ? AbortSignal.any([timeout, cancel]) : timeout;
  const res = await (t.fetch ?? fetch)(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
    signal,
    redirect: 'manual',
  });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // Not JSON: the status alone decides.
  }
  return { status: res.status, json };
}

/** Waits `ms`, or rejects with the signal's reason when the attempt is cancelled. */
function delay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
