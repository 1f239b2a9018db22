/**
 * The session: the one holder of the refresh token and the one refresher
 * (docs/security.md "The refresh token never leaves the host").
 *
 * Invariants:
 * - at most one refresh grant is in flight (single-flight), whoever asks;
 * - a rotated refresh token is written to the vault before the new access token is handed out;
 * - a refresh that fails for network reasons keeps the session and retries with bounded backoff;
 * - a refresh token that is expired, reused or revoked ends the session in `expired`, once, with no retry.
 */
import type {
  AccountInfo,
  Credentials,
  ErrorInfo,
  SignInInfo,
  SignInMethod,
  Status,
  StorageInfo,
} from '../api/contract';
import { accountFromTokens } from '../account/claims';
import type { OAuthClient, SignInAttempt, TokenSet } from '../auth/types';
import { KeybridgeError, asKeybridgeError } from '../errors';
import type { StoredSession } from '../vault/types';
import type { SessionManager } from './types';
import { backoffDelayMs, refreshDelayMs } from './timing';

/** The vault as the session needs it (core/vault's Vault fits). */
export interface SessionVault {
  load(): Promise<StoredSession | null>;
  save(s: StoredSession): Promise<void>;
  clear(): Promise<void>;
}

export interface SessionOptions {
  auth: OAuthClient;
  vault: SessionVault;
  storage: StorageInfo;
  log?: (line: string) => void;
  now?: () => number;
  random?: () => number;
  /** Default for credentials.get without minTtlSeconds. */
  defaultMinTtlSeconds?: number;
}

/**
 * What the session is, as a discriminated union; `status()` renders it with an exhaustive switch.
 * Tokens stay inside; only account facts leave through Status.
 */
export type SessionState =
  | { kind: 'signedOut'; lastError?: ErrorInfo }
  | { kind: 'signingIn'; attempt: SignInAttempt; lastError?: ErrorInfo }
  | { kind: 'signedIn'; tokens: StoredSession; account: AccountInfo; lastError?: ErrorInfo }
  | { kind: 'refreshing'; tokens: StoredSession; account: AccountInfo; lastError?: ErrorInfo }
  | { kind: 'expired'; account?: AccountInfo; error: ErrorInfo }
  | { kind: 'error'; error: ErrorInfo };

const NETWORK_GRACE_MS = 5_000;

/**
 * The access token as the host hands it on (to tools through the broker, to Codex CLI's auth.json), announced
 * after every change. Never the refresh token: it stays in the session and the vault.
 */
export interface SessionCredentials {
  accessToken: string;
  idToken?: string;
  /** Epoch ms. */
  expiresAt: number;
  /** Epoch ms: when these tokens were obtained (sign-in or refresh). */
  obtainedAt: number;
  accountId: string | null;
  planType: string | null;
}

export type CredentialsReason = 'restored' | 'signedIn' | 'refreshed' | 'signedOut' | 'expired';
export type CredentialsListener = (credentials: SessionCredentials | null, reason: CredentialsReason) => void;

export class Session implements SessionManager {
  private readonly auth: OAuthClient;
  private readonly vault: SessionVault;
  private readonly storage: StorageInfo;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly defaultMinTtl: number;

  private tokens: StoredSession | null = null;
  private account: AccountInfo | null = null;
  private attempt: SignInAttempt | null = null;
  private signInDone: Promise<Status> | null = null;
  private inFlight: Promise<StoredSession> | null = null;
  /** Set when the session ended for good (expired) or could not start (error). */
  private ended: { kind: 'expired' | 'error'; error: ErrorInfo; account?: AccountInfo } | null = null;
  /** A problem worth showing that does not change the state (offline, a failed sign-in attempt). */
  private lastError: ErrorInfo | null = null;
  private failures = 0;
  /** When the retry after a failed refresh is due (epoch ms); 0 when no backoff is running. */
  private retryAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly listeners = new Set<(s: Status) => void>();
  private readonly credentialListeners = new Set<CredentialsListener>();

  constructor(opts: SessionOptions) {
    this.auth = opts.auth;
    this.vault = opts.vault;
    this.storage = opts.storage;
    this.log = opts.log ?? (() => {});
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.defaultMinTtl = opts.defaultMinTtlSeconds ?? 60;
  }

  async start(): Promise<void> {
    let stored: StoredSession | null;
    try {
      stored = await this.vault.load();
    } catch (e) {
      const err = asKeybridgeError(e);
      this.log(`vault: ${err.message}`);
      this.ended = { kind: 'error', error: err.toJSON() };
      this.emit();
      return;
    }
    if (!stored) {
      this.emit();
      return;
    }
    this.tokens = stored;
    this.account = accountFromTokens(stored);
    this.log(`session restored for ${this.account.email ?? 'unknown account'}`);
    this.schedule(refreshDelayMs(stored, this.now(), this.random));
    this.emitCredentials('restored');
    this.emit();
  }

  state(): SessionState {
    const lastError = this.lastError ?? undefined;
    if (this.attempt) return { kind: 'signingIn', attempt: this.attempt, lastError };
    if (this.tokens && this.account) {
      return this.inFlight
        ? { kind: 'refreshing', tokens: this.tokens, account: this.account, lastError }
        : { kind: 'signedIn', tokens: this.tokens, account: this.account, lastError };
    }
    if (this.ended?.kind === 'expired')
      return { kind: 'expired', account: this.ended.account, error: this.ended.error };
    if (this.ended?.kind === 'error') return { kind: 'error', error: this.ended.error };
    return { kind: 'signedOut', lastError };
  }

  status(): Status {
    const s = this.state();
    const base = { storage: this.storage };
    switch (s.kind) {
      case 'signedOut':
        return { ...base, state: 'signedOut', lastError: s.lastError };
      case 'signingIn':
        return {
          ...base,
          state: 'signingIn',
          signIn: this.signInInfo(s.attempt),
          lastError: s.lastError,
        };
      case 'signedIn':
      case 'refreshing':
        return {
          ...base,
          state: s.kind,
          account: s.account,
          expiresAt: iso(s.tokens.expiresAt),
          lastRefreshAt: iso(s.tokens.obtainedAt),
          lastError: s.lastError,
        };
      case 'expired':
        return { ...base, state: 'expired', account: s.account, lastError: s.error };
      case 'error':
        return { ...base, state: 'error', lastError: s.error };
      default:
        return assertNever(s);
    }
  }

  async credentials(minTtlSeconds?: number): Promise<Credentials> {
    let tokens = this.tokens;
    if (!tokens) throw this.notSignedIn();
    const minTtlMs = (minTtlSeconds ?? this.defaultMinTtl) * 1000;
    const now = this.now();
    // During the backoff after a failed refresh, a token that is still good is handed out as it is: every tool
    // asking the server again would undo the backoff (and a server's Retry-After). One that has run out is
    // still refreshed on demand, since the tool cannot work without it.
    const backingOff = now < this.retryAt && tokens.expiresAt - now > NETWORK_GRACE_MS;
    if (tokens.expiresAt - now < minTtlMs && !backingOff) {
      try {
        tokens = await this.refresh();
      } catch (e) {
        const err = asKeybridgeError(e);
        // Offline: a token that is still valid is better than none; the tool asked for more, but the
        // refresh is being retried in the background.
        const current = this.tokens;
        if (err.retryable && current && current.expiresAt - this.now() > NETWORK_GRACE_MS) tokens = current;
        else throw err;
      }
    }
    const account = this.account ?? accountFromTokens(tokens);
    // The same frozen answer while the token and account stay the same: no date formatting per request, and
    // the broker serializes a frozen result once (core/broker/jsonrpc.ts resultLine).
    const last = issued.get(tokens);
    if (last?.account === account) return last.credentials;
    const credentials: Credentials = Object.freeze({
      accessToken: tokens.accessToken,
      tokenType: 'Bearer',
      expiresAt: iso(tokens.expiresAt),
      accountId: account.accountId,
      planType: account.planType,
    });
    issued.set(tokens, { account, credentials });
    return credentials;
  }

  /** Single-flight: every caller during a refresh shares the one grant's outcome. */
  refresh(): Promise<StoredSession> {
    if (this.inFlight) return this.inFlight;
    const tokens = this.tokens;
    if (!tokens) return Promise.reject(this.notSignedIn());
    this.clearTimer();
    const run = this.runRefresh(tokens).finally(() => {
      if (this.inFlight === run) this.inFlight = null;
      this.emit();
    });
    this.inFlight = run;
    this.emit();
    return run;
  }

  private async runRefresh(old: StoredSession): Promise<StoredSession> {
    let set: TokenSet;
    try {
      set = await this.auth.refresh(old.refreshToken);
    } catch (e) {
      const err = asKeybridgeError(e);
      if (this.tokens !== old) throw err; // signed out or replaced meanwhile: nothing to keep or schedule
      if (err.reloginRequired || err.code === 'relogin_required') {
        this.log(`refresh: ${err.message} — sign-in required`);
        await this.endSession('expired', err);
        throw err;
      }
      this.failures += 1;
      const retryAfterMs = err.retryAfterMs;
      const delay = backoffDelayMs(this.failures - 1, retryAfterMs, this.random);
      this.lastError = {
        code: err.code === 'internal' ? 'network' : err.code,
        message: `Could not refresh the session (${err.message}). Keeping it and retrying in ${Math.ceil(delay / 1000)} s.`,
      };
      this.log(`refresh failed (attempt ${this.failures}), retrying in ${delay} ms: ${err.message}`);
      this.retryAt = this.now() + delay;
      this.schedule(delay);
      throw new KeybridgeError('refresh_failed', this.lastError.message, { cause: err, retryable: true });
    }
    if (this.tokens !== old) return this.tokens ?? Promise.reject(this.notSignedIn());
    const next: StoredSession = {
      version: 1,
      accessToken: set.accessToken,
      refreshToken: set.refreshToken ?? old.refreshToken,
      idToken: set.idToken ?? old.idToken,
      expiresAt: set.expiresAt,
      obtainedAt: this.now(),
    };
    // Persist first: the old refresh token is spent now, so losing the new one would end the session.
    let saveError: KeybridgeError | null = null;
    try {
      await this.vault.save(next);
    } catch (e) {
      // Keep the new tokens in memory rather than lose them; the next refresh tries to save again.
      saveError = asKeybridgeError(e);
      this.log(`vault: could not save the refreshed session: ${saveError.message}`);
    }
    this.tokens = next;
    const account = accountFromTokens(next);
    if (account.planType !== this.account?.planType) this.log(`plan is now ${account.planType ?? 'unknown'}`);
    this.account = account;
    this.failures = 0;
    this.retryAt = 0;
    this.lastError = saveError
      ? {
          code: 'vault_write_failed',
          message: `The refreshed session could not be saved to disk: ${saveError.message}`,
        }
      : null;
    this.log(`refreshed; next expiry ${iso(next.expiresAt)}`);
    this.emitCredentials('refreshed');
    this.schedule(refreshDelayMs(next, this.now(), this.random));
    return next;
  }

  async login(opts: { method?: SignInMethod } = {}): Promise<SignInInfo> {
    const method = opts.method ?? 'browser';
    // The same kind of sign-in already waits: answer it again. Another kind replaces it (the OAuth client
    // cancels the earlier attempt when it starts the new one).
    if (this.attempt && methodOf(this.attempt) === method) return this.signInInfo(this.attempt);
    let attempt: SignInAttempt;
    try {
      // Either way the tokens come back through the same path below (completeSignIn), so a device sign-in
      // is stored, announced and counted like any other.
      attempt = await (method === 'device' ? this.auth.beginDeviceSignIn() : this.auth.beginSignIn());
    } catch (e) {
      const err = asKeybridgeError(e);
      this.lastError = err.toJSON();
      this.emit();
      throw err;
    }
    this.attempt = attempt;
    this.lastError = null;
    this.signInDone = attempt.result.then(
      (set) => this.completeSignIn(attempt, set),
      (e: unknown) => {
        const err = asKeybridgeError(e);
        if (this.attempt === attempt) {
          this.attempt = null;
          this.lastError = err.toJSON();
          this.log(`sign-in ended: ${err.code}`);
          this.emit();
        }
        throw err;
      },
    );
    // Nobody may be waiting; the outcome is in the status either way.
    this.signInDone.catch(() => {});
    this.emit();
    return this.signInInfo(attempt);
  }

  private async completeSignIn(attempt: SignInAttempt, set: TokenSet): Promise<Status> {
    if (!set.refreshToken) {
      throw new KeybridgeError(
        'invalid_token_response',
        'The sign-in returned no refresh token, so Keybridge could not keep the session. Try signing in again.',
      );
    }
    const stored: StoredSession = {
      version: 1,
      accessToken: set.accessToken,
      refreshToken: set.refreshToken,
      idToken: set.idToken,
      expiresAt: set.expiresAt,
      obtainedAt: this.now(),
    };
    const previous = this.tokens;
    try {
      await this.vault.save(stored);
    } catch (e) {
      const err = asKeybridgeError(e);
      if (this.attempt === attempt) this.attempt = null;
      this.lastError = {
        code: err.code,
        message: `Signed in, but the session could not be saved: ${err.message}`,
      };
      this.emit();
      throw err;
    }
    if (this.attempt === attempt) this.attempt = null;
    this.tokens = stored;
    this.account = accountFromTokens(stored);
    this.ended = null;
    this.lastError = null;
    this.failures = 0;
    this.retryAt = 0;
    this.log(`signed in as ${this.account.email ?? 'unknown'} (${this.account.planType ?? 'unknown plan'})`);
    this.schedule(refreshDelayMs(stored, this.now(), this.random));
    this.emitCredentials('signedIn');
    this.emit();
    // Signing in again replaced an older login: its refresh token is no longer ours to keep.
    if (previous && previous.refreshToken !== stored.refreshToken) {
      void this.auth.revoke(previous.refreshToken, 'refresh_token');
    }
    return this.status();
  }

  async waitForSignIn(): Promise<Status> {
    if (this.signInDone && this.attempt) return this.signInDone;
    const s = this.status();
    if (s.state === 'signedIn' || s.state === 'refreshing') return s;
    if (this.lastError) throw new KeybridgeError(this.lastError.code as never, this.lastError.message);
    throw new KeybridgeError(
      'no_sign_in_pending',
      'No sign-in is in progress. Start one with `keybridge login`.',
    );
  }

  cancelSignIn(): boolean {
    if (!this.attempt) return false;
    this.attempt.cancel();
    return true;
  }

  async openUrl(url: string): Promise<Status> {
    const done = this.signInDone;
    if (!this.attempt || !done) {
      throw new KeybridgeError(
        'no_sign_in_pending',
        'There is no sign-in waiting for this link. Start a sign-in first, then open or paste the link it gives you.',
      );
    }
    await this.auth.handleRedirectUrl(url);
    return done;
  }

  async logout(): Promise<{ revoked: boolean }> {
    this.cancelSignIn();
    // Let a refresh in flight land first, so the refresh token we revoke is the live one.
    if (this.inFlight) await this.inFlight.catch(() => {});
    const tokens = this.tokens;
    this.clearTimer();
    this.tokens = null;
    this.account = null;
    this.ended = null;
    this.lastError = null;
    this.failures = 0;
    this.retryAt = 0;
    // Tools hear it before the vault is wiped: from here on no token is handed out.
    if (tokens) this.emitCredentials('signedOut');
    await this.vault.clear();
    this.log('signed out');
    this.emit();
    if (!tokens) return { revoked: false };
    return { revoked: await this.auth.revoke(tokens.refreshToken, 'refresh_token') };
  }

  onChange(listener: (status: Status) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every change of the access token: restored at start, signed in, refreshed; null on sign-out or expiry. */
  onCredentials(listener: CredentialsListener): () => void {
    this.credentialListeners.add(listener);
    return () => this.credentialListeners.delete(listener);
  }

  /** The current access token (and id_token) without refreshing, or null when there is none. */
  currentCredentials(): SessionCredentials | null {
    const tokens = this.tokens;
    if (!tokens) return null;
    const account = this.account ?? accountFromTokens(tokens);
    return {
      accessToken: tokens.accessToken,
      idToken: tokens.idToken,
      expiresAt: tokens.expiresAt,
      obtainedAt: tokens.obtainedAt,
      accountId: account.accountId,
      planType: account.planType,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.clearTimer();
    this.attempt?.cancel();
    if (this.inFlight) await this.inFlight.catch(() => {});
    this.listeners.clear();
    this.credentialListeners.clear();
  }

  private async endSession(kind: 'expired', err: KeybridgeError): Promise<void> {
    const account = this.account ?? undefined;
    this.clearTimer();
    this.tokens = null;
    this.account = null;
    this.lastError = null;
    this.ended = { kind, error: err.toJSON(), account };
    this.emitCredentials('expired');
    try {
      await this.vault.clear();
    } catch (e) {
      this.log(`vault: could not remove the ended session: ${asKeybridgeError(e).message}`);
    }
  }

  private schedule(delayMs: number): void {
    this.clearTimer();
    if (this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.refresh().catch(() => {
        /* the outcome is in the status and the log; a retry is scheduled where one makes sense */
      });
    }, delayMs);
    // The broker's server keeps the host alive; the timer alone must not.
    this.timer.unref?.();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private notSignedIn(): KeybridgeError {
    if (this.ended?.kind === 'expired') {
      return new KeybridgeError('not_signed_in', `${this.ended.error.message} Sign in again to continue.`, {
        reloginRequired: true,
      });
    }
    return new KeybridgeError(
      'not_signed_in',
      'Not signed in. Sign in from the Keybridge tray or run `keybridge login`.',
    );
  }

  private signInInfo(a: SignInAttempt): SignInInfo {
    const info: SignInInfo = {
      url: a.url,
      redirectUri: a.redirectUri,
      startedAt: iso(a.startedAt),
      expiresAt: iso(a.expiresAt),
    };
    // The device_auth_id stays in the OAuth client: only the page and the code the user types go out.
    if (a.device) {
      info.method = 'device';
      info.verificationUrl = a.device.verificationUrl;
      info.userCode = a.device.userCode;
    }
    return info;
  }

  private emitCredentials(reason: CredentialsReason): void {
    if (this.credentialListeners.size === 0) return;
    const credentials = this.currentCredentials();
    for (const l of this.credentialListeners) {
      try {
        l(credentials, reason);
      } catch (e) {
        this.log(`credentials listener failed: ${asKeybridgeError(e).message}`);
      }
    }
  }

  private emit(): void {
    if (this.listeners.size === 0) return;
    const status = this.status();
    for (const l of this.listeners) {
      try {
        l(status);
      } catch (e) {
        this.log(`status listener failed: ${asKeybridgeError(e).message}`);
      }
    }
  }
}

function methodOf(a: SignInAttempt): SignInMethod {
  return a.device ? 'device' : 'browser';
}

/** credentials()'s last answer per token set; it goes when the tokens go (sign-out, refresh). */
const issued = new WeakMap<StoredSession, { account: AccountInfo; credentials: Credentials }>();

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function assertNever(x: never): never {
  throw new Error(`unhandled session state ${JSON.stringify(x)}`);
}
