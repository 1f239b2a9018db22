/**
 * Keybridge's OAuth client (a public native client, RFC 8252) on oauth4webapi: authorization code + PKCE
 * sign-in with a loopback or private-use-scheme redirect, refresh, and revocation.
 */
import * as oauth from 'oauth4webapi';
import { OPENAI_DEFAULTS, type ProviderConfig } from '../config';
import { KeybridgeError, asKeybridgeError } from '../errors';
import type { OAuthClient, SignInAttempt, TokenSet } from './types';
import { serverResolver } from './endpoints';
import {
  REQUEST_TIMEOUT_MS,
  REVOKE_TIMEOUT_MS,
  hostOf,
  isNetworkFailure,
  networkError,
  requestOptions,
  type Transport,
} from './http';
import { startDeviceSignIn } from './device-code';
import { startLoopbackReceiver, type CallbackOutcome, type LoopbackReceiver } from './loopback-receiver';
import { exchangeCode } from './code-exchange';
import { authorizationError, cleanServerText } from './messages';
import { parseRedirectUrl } from './redirect-url';
import { RetiredStates, constantTimeEqual } from './state';
import { invalidTokenResponse, refreshHttpError, toTokenSet } from './token-response';

export interface OAuthClientOptions {
  /** How long a sign-in waits for the browser. Default 5 minutes. */
  signInTimeoutMs?: number;
  /** Timeout of each request to the authorization server. Default 15 s. */
  requestTimeoutMs?: number;
  /** Timeout of the best-effort revocation. Default 3 s. */
  revokeTimeoutMs?: number;
  fetch?: typeof fetch;
  /** Clock for expiresAt (epoch ms). Default Date.now. */
  now?: () => number;
  /** Diagnostic lines; never given a token, code or verifier. */
  log?: (msg: string) => void;
  /** How long a device sign-in code lasts. Default 15 minutes, as Codex CLI. */
  deviceCodeTtlMs?: number;
}

export const DEFAULT_SIGN_IN_TIMEOUT_MS = 5 * 60 * 1000;

interface Pending {
  readonly state: string;
  readonly verifier: string;
  readonly as: oauth.AuthorizationServer;
  redirectUri: string;
  receiver?: LoopbackReceiver;
  timer?: ReturnType<typeof setTimeout>;
  resolve(tokens: TokenSet): void;
  reject(error: KeybridgeError): void;
}

const cancelled = (why: string) => new KeybridgeError('sign_in_cancelled', why);

export function createOAuthClient(provider: ProviderConfig, opts: OAuthClientOptions = {}): OAuthClient {
  const now = opts.now ?? Date.now;
  const log = opts.log ?? (() => undefined);
  const signInTimeoutMs = opts.signInTimeoutMs ?? DEFAULT_SIGN_IN_TIMEOUT_MS;
  const transport: Transport = { fetch: opts.fetch, timeoutMs: opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS };
  const revokeTransport: Transport = {
    fetch: opts.fetch,
    timeoutMs: opts.revokeTimeoutMs ?? REVOKE_TIMEOUT_MS,
  };
  const getServer = serverResolver(provider, transport);
  const retired = new RetiredStates();
  let pending: Pending | undefined;
  /** A device-code attempt in progress (it has no redirect: it polls on its own). */
  let device: SignInAttempt | undefined;
  let generation = 0;

  // Public client: no secret, client_id in the body (RFC 6749 §2.3 / §3.2.1; oauth4webapi None()).
  // ID token time checks use the real clock (the server's frame of reference), not `now`.
  const clientMeta = (): oauth.Client => ({ client_id: provider.clientId });

  /** Ends a pending attempt that did not get its redirect: frees the port first, then rejects. */
  async function end(p: Pending, error: KeybridgeError): Promise<void> {
    if (pending === p) pending = undefined;
    retired.retire(p.state, 'ended');
    clearTimeout(p.timer);
    await p.receiver?.close(false);
    log(`Sign-in ended: ${error.code}`);
    p.reject(error);
  }

  async function onLoopbackCallback(url: string): Promise<CallbackOutcome> {
    try {
      await handleRedirectUrl(url);
      return { ok: true };
    } catch (e) {
      return { ok: false, message: asKeybridgeError(e).message };
    }
  }

  async function beginSignIn(): Promise<SignInAttempt> {
    // Only one attempt at a time: a new one replaces (cancels) the previous one.
    const gen = ++generation;
    await endCurrent();
    const superseded = () => cancelled('A newer sign-in was started, so this one was cancelled.');

    const as = await getServer();
    if (gen !== generation) throw superseded();
    if (!as.authorization_endpoint) {
      throw new KeybridgeError(
        'discovery_failed',
        `${provider.issuer} does not announce an authorization endpoint. Check KEYBRIDGE_ISSUER.`,
      );
    }

    // RFC 7636 §4.1–4.2: a fresh verifier per attempt, sent only as its S256 challenge.
    const verifier = oauth.generateRandomCodeVerifier();
    const challenge = await oauth.calculatePKCECodeChallenge(verifier);
    // RFC 6749 §10.12: a fresh, unguessable state binds the redirect to this one attempt.
    const state = oauth.generateRandomState();

    let resolve!: (t: TokenSet) => void;
    let reject!: (e: KeybridgeError) => void;
    const result = new Promise<TokenSet>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Callers may ignore an attempt they replaced: never let its rejection go unhandled.
    result.catch(() => undefined);
    const p: Pending = { state, verifier, as, redirectUri: OPENAI_DEFAULTS.schemeRedirect, resolve, reject };

    if (provider.redirect === 'loopback') {
      // RFC 8252 §7.3: loopback redirect, ports tried in order (OpenAI registered 1455, then 1457).
      const receiver = await startLoopbackReceiver(provider.loopbackPorts, onLoopbackCallback, log);
      if (gen !== generation) {
        await receiver.close(false);
        throw superseded();
      }
      p.receiver = receiver;
      p.redirectUri = receiver.redirectUri;
    }
    // else RFC 8252 §7.1: keybridge://oauth/callback, delivered by the OS (or pasted) to handleRedirectUrl.

    const url = new URL(as.authorization_endpoint);
    const params: Record<string, string> = {
      client_id: provider.clientId,
      scope: provider.scope,
      redirect_uri: p.redirectUri,
      response_type: 'code',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state,
    };
    for (const [k, v] of Object.entries(provider.extraAuthorizeParams)) {
      if (!(k in params)) url.searchParams.set(k, v);
    }
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);

    const startedAt = now();
    p.timer = setTimeout(() => {
      void end(
        p,
        new KeybridgeError(
          'sign_in_timeout',
          `The sign-in timed out: nothing came back from the browser within ${describeDuration(signInTimeoutMs)}. Start the sign-in again.`,
        ),
      );
    }, signInTimeoutMs);
    pending = p;
    log(`Sign-in started; waiting for the browser to return to ${p.redirectUri}`);

    return {
      url: url.href,
      redirectUri: p.redirectUri,
      startedAt,
      expiresAt: startedAt + signInTimeoutMs,
      result,
      cancel() {
        if (pending === p) void end(p, cancelled('The sign-in was cancelled.'));
      },
    };
  }

  /** Ends whatever sign-in is in progress: only one at a time, browser or device. */
  async function endCurrent(): Promise<void> {
    const why = 'A new sign-in was started, so the earlier one was cancelled.';
    device?.cancel(why);
    device = undefined;
    if (pending) await end(pending, cancelled(why));
  }

  async function beginDeviceSignIn(): Promise<SignInAttempt> {
    const gen = ++generation;
    await endCurrent();
    const attempt = await startDeviceSignIn({
      issuer: provider.issuer,
      clientId: provider.clientId,
      getServer,
      transport,
      now,
      log,
      ttlMs: opts.deviceCodeTtlMs,
    });
    if (gen !== generation) {
      attempt.cancel('A newer sign-in was started, so this one was cancelled.');
      throw cancelled('A newer sign-in was started, so this one was cancelled.');
    }
    device = attempt;
    void attempt.result.then(
      () => log('Device sign-in completed.'),
      (e: unknown) => log(`Device sign-in ended: ${asKeybridgeError(e).code}`),
    );
    return attempt;
  }

  async function handleRedirectUrl(rawUrl: string): Promise<void> {
    const parsed = parseRedirectUrl(rawUrl);
    if (parsed.kind === 'invalid') throw new KeybridgeError('invalid_redirect_url', parsed.reason);

    const p = pending;
    if (parsed.state === undefined) {
      // An error answer without state cannot be tied to an attempt: ignore it rather than let it end one.
      throw new KeybridgeError(
        'state_mismatch',
        `The redirect reports "${cleanServerText(parsed.kind === 'error' ? parsed.error : '', 60)}" but carries no state, so it cannot be matched to the sign-in in progress and was ignored.`,
      );
    }
    if (!p || !constantTimeEqual(parsed.state, p.state)) {
      const why = retired.reason(parsed.state);
      if (why === 'used') {
        throw new KeybridgeError(
          'callback_replayed',
          'This sign-in redirect was already used, so it was ignored. Each one works once; start a new sign-in if you are not signed in.',
        );
      }
      if (why === 'ended' || !p) {
        throw new KeybridgeError(
          'no_sign_in_pending',
          why === 'ended'
            ? 'That sign-in already ended (it timed out, was cancelled or was replaced). Start a new sign-in.'
            : 'No sign-in is in progress. Start one from Keybridge, then finish it in the browser.',
        );
      }
      // A forged or stray redirect must not end the real attempt: it stays pending.
      throw new KeybridgeError(
        'state_mismatch',
        'This redirect does not belong to the sign-in in progress (its state does not match), so it was ignored. Finish the sign-in in the browser tab Keybridge opened.',
      );
    }

    // The redirect is this attempt's: from here on its state is spent, whatever the outcome.
    pending = undefined;
    retired.retire(p.state, 'used');
    clearTimeout(p.timer);
    const receiver = p.receiver;
    try {
      const tokens = await complete(p, new URL(rawUrl.trim()).searchParams);
      p.resolve(tokens);
      log('Sign-in completed.');
    } catch (e) {
      const error = asKeybridgeError(e);
      log(`Sign-in failed: ${error.code}`);
      p.reject(error);
      throw error;
    } finally {
      // Graceful: the receiver is still writing this redirect's answer page.
      void receiver?.close(true);
    }
  }

  async function complete(p: Pending, callbackParams: URLSearchParams): Promise<TokenSet> {
    const client = clientMeta();
    let validated: URLSearchParams;
    try {
      // Re-checks state and, when the server sends `iss` (or announces it does), the issuer (RFC 9207).
      validated = oauth.validateAuthResponse(p.as, client, callbackParams, p.state);
    } catch (e) {
      if (e instanceof oauth.AuthorizationResponseError)
        throw authorizationError(e.error, e.error_description);
      throw new KeybridgeError(
        'oauth_error',
        `The sign-in answer could not be verified (${cleanServerText(e instanceof Error ? e.message : String(e))}); it may not come from ${hostOf(p.as.issuer)}. Start the sign-in again.`,
        { cause: e },
      );
    }

    // RFC 6749 §4.1.3 with the PKCE verifier (RFC 7636 §4.5).
    return exchangeCode({
      as: p.as,
      client,
      validated,
      redirectUri: p.redirectUri,
      verifier: p.verifier,
      transport,
      now,
    });
  }

  async function refresh(refreshToken: string): Promise<TokenSet> {
    const as = await getServer();
    const client = clientMeta();
    const host = hostOf(as.token_endpoint);
    const retryNote = 'Keybridge keeps your session and will try again.';
    let response: Response;
    try {
      // RFC 6749 §6.
      response = await oauth.refreshTokenGrantRequest(
        as,
        client,
        oauth.None(),
        refreshToken,
        requestOptions(as.token_endpoint, transport),
      );
    } catch (e) {
      if (isNetworkFailure(e)) throw networkError('network', e, host, transport.timeoutMs, retryNote);
      throw unexpected('refresh_failed', e);
    }
    if (response.status !== 200) {
      const error = await refreshHttpError(response, now());
      log(`Refresh failed: ${error.code} (HTTP ${response.status})`);
      throw error;
    }
    let body: oauth.TokenEndpointResponse;
    try {
      body = await oauth.processRefreshTokenResponse(as, client, response);
    } catch (e) {
      if (isNetworkFailure(e)) throw networkError('network', e, host, transport.timeoutMs, retryNote);
      if (e instanceof oauth.OperationProcessingError && e.code === oauth.PARSE_ERROR) {
        throw new KeybridgeError(
          'refresh_failed',
          `${host} sent an unreadable answer to the refresh. ${retryNote}`,
          {
            cause: e,
            retryable: true,
          },
        );
      }
      throw invalidTokenResponse(cleanServerText(e instanceof Error ? e.message : String(e)), true, e);
    }
    return toTokenSet(body, now(), false);
  }

  async function revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    // RFC 7009 §2: best effort. Bounded as a whole (discovery included) and never throws.
    const attempt = (async () => {
      const as = await getServer();
      if (!as.revocation_endpoint) return false;
      const response = await oauth.revocationRequest(as, clientMeta(), oauth.None(), token, {
        ...requestOptions<'POST', URLSearchParams>(as.revocation_endpoint, revokeTransport),
        additionalParameters: { token_type_hint: hint },
      });
      await response.body?.cancel().catch(() => undefined);
      return response.status === 200;
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), revokeTransport.timeoutMs + 250);
    });
    try {
      return await Promise.race([attempt.catch(() => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  return { beginSignIn, beginDeviceSignIn, handleRedirectUrl, refresh, revoke };
}

function unexpected(code: 'token_exchange_failed' | 'refresh_failed', e: unknown): KeybridgeError {
  const what = code === 'refresh_failed' ? 'refresh the session' : 'finish the sign-in';
  return new KeybridgeError(
    code,
    `Keybridge could not ${what}: ${cleanServerText(e instanceof Error ? e.message : String(e))}. Check the provider settings.`,
    { cause: e },
  );
}

function describeDuration(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} minute${ms === 60_000 ? '' : 's'}`;
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}
