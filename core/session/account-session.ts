/**
 * One signed-in account: its tokens, its state and its own refresher (docs/accounts.md). The rules of the
 * single session hold per account:
 * - at most one refresh grant of this account is in flight (single-flight), whoever asks;
 * - a rotated refresh token is written to the vault before the new access token is handed out;
 * - a refresh that fails for network reasons keeps the account and retries with bounded backoff;
 * - a refresh token that is expired, reused or revoked ends this account in `expired`, once, with no retry —
 *   and only this account: the others keep working.
 *
 * The state is one union, changed in one place (`set`), which is also the one place that tells the owner.
 */
import type { AccountInfo, Credentials, ErrorInfo } from '../api/contract';
import { accountFromTokens } from '../account/claims';
import type { OAuthClient, TokenSet } from '../auth/types';
import { KeybridgeError, asKeybridgeError } from '../errors';
import type { StoredSession } from '../vault/types';
import type { CredentialsReason, SessionCredentials } from './credentials';
import { Refresher } from './refresher';

export type AccountState =
  | { kind: 'signedIn'; tokens: StoredSession; account: AccountInfo; lastError?: ErrorInfo }
  | { kind: 'refreshing'; tokens: StoredSession; account: AccountInfo; lastError?: ErrorInfo }
  | { kind: 'expired'; account: AccountInfo; error: ErrorInfo }
  /** Signed out by the user: no tokens, nothing scheduled; the owner forgets the account. */
  | { kind: 'signedOut'; account: AccountInfo };

/** Where an account's tokens are written: the owner writes the whole vault (all accounts) in one go. */
export interface AccountStore {
  /** Persists `tokens` as this account's, before anyone sees them. */
  save(accountId: string, tokens: StoredSession): Promise<void>;
  /** Persists the vault without this account. */
  remove(accountId: string): Promise<void>;
}

export interface AccountSessionOptions {
  auth: OAuthClient;
  store: AccountStore;
  log: (line: string) => void;
  now: () => number;
  random: () => number;
  /** Default for credentials without minTtlSeconds. */
  defaultMinTtlSeconds: number;
  /** The one notification of every change; `reason` when the access token changed (or went away). */
  onChange(session: AccountSession, reason?: CredentialsReason): void;
}

/** A token still this good is handed out during a backoff or when a refresh failed for network reasons. */
const NETWORK_GRACE_MS = 5_000;

export class AccountSession {
  private state: AccountState;
  private readonly refresher: Refresher<StoredSession>;
  /** Epoch ms: when this account was last made active or handed a token out. */
  lastUsedAt: number | undefined;

  constructor(
    readonly id: string,
    tokens: StoredSession,
    private readonly opts: AccountSessionOptions,
    lastUsedAt?: number,
  ) {
    this.state = { kind: 'signedIn', tokens, account: accountFromTokens(tokens) };
    this.lastUsedAt = lastUsedAt;
    this.refresher = new Refresher(() => this.runRefresh(), { now: opts.now, random: opts.random });
    this.refresher.scheduleAhead(tokens);
  }

  get current(): AccountState {
    return this.state;
  }

  get account(): AccountInfo {
    return this.state.account;
  }

  /** The tokens, while the account has them. */
  get tokens(): StoredSession | null {
    return this.state.kind === 'signedIn' || this.state.kind === 'refreshing' ? this.state.tokens : null;
  }

  async credentials(minTtlSeconds?: number): Promise<Credentials> {
    let tokens = this.tokens;
    if (!tokens) throw this.notSignedIn();
    const minTtlMs = (minTtlSeconds ?? this.opts.defaultMinTtlSeconds) * 1000;
    const now = this.opts.now();
    // During the backoff after a failed refresh, a token that is still good is handed out as it is: every tool
    // asking the server again would undo the backoff (and a server's Retry-After). One that has run out is
    // still refreshed on demand, since the tool cannot work without it.
    const backingOff = this.refresher.backingOff(now) && tokens.expiresAt - now > NETWORK_GRACE_MS;
    if (tokens.expiresAt - now < minTtlMs && !backingOff) {
      try {
        tokens = await this.refresh();
      } catch (e) {
        const err = asKeybridgeError(e);
        // Offline: a token that is still valid is better than none; the refresh is retried in the background.
        const current = this.tokens;
        if (err.retryable && current && current.expiresAt - this.opts.now() > NETWORK_GRACE_MS)
          tokens = current;
        else throw err;
      }
    }
    this.lastUsedAt = this.opts.now();
    const account = this.state.account;
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

  /** Single-flight refresh of this account. */
  refresh(): Promise<StoredSession> {
    if (!this.tokens && !this.refresher.running) return Promise.reject(this.notSignedIn());
    return this.refresher.run();
  }

  /** A new sign-in to this same account: its tokens replace the old ones (the old refresh token is revoked). */
  async replace(tokens: StoredSession): Promise<void> {
    await this.refresher.settled();
    const previous = this.tokens;
    this.set({ kind: 'signedIn', tokens, account: accountFromTokens(tokens) }, 'signedIn');
    this.refresher.scheduleAhead(tokens);
    if (previous && previous.refreshToken !== tokens.refreshToken) {
      void this.opts.auth.revoke(previous.refreshToken, 'refresh_token');
    }
  }

  /**
   * Signs this account out: lets a refresh in flight land first (so the refresh token revoked is the live
   * one), tells the owner (which stops handing the token out and rewrites the vault), then revokes.
   */
  async signOut(): Promise<{ revoked: boolean }> {
    await this.refresher.settled();
    const tokens = this.tokens;
    this.refresher.stop();
    this.set({ kind: 'signedOut', account: this.state.account }, tokens ? 'signedOut' : undefined);
    await this.opts.store.remove(this.id);
    if (!tokens) return { revoked: false };
    return { revoked: await this.opts.auth.revoke(tokens.refreshToken, 'refresh_token') };
  }

  /** The current access token (and id_token) without refreshing, or null when there is none. */
  currentCredentials(): SessionCredentials | null {
    const tokens = this.tokens;
    if (!tokens) return null;
    return {
      accessToken: tokens.accessToken,
      idToken: tokens.idToken,
      expiresAt: tokens.expiresAt,
      obtainedAt: tokens.obtainedAt,
      accountId: this.state.account.accountId,
      planType: this.state.account.planType,
    };
  }

  async close(): Promise<void> {
    this.refresher.stop();
    await this.refresher.settled();
  }

  private async runRefresh(): Promise<StoredSession> {
    const s = this.state;
    if (s.kind !== 'signedIn' && s.kind !== 'refreshing') throw this.notSignedIn();
    const old = s.tokens;
    this.set({ ...s, kind: 'refreshing' });
    let set: TokenSet;
    try {
      set = await this.opts.auth.refresh(old.refreshToken);
    } catch (e) {
      const err = asKeybridgeError(e);
      const now = this.state;
      if (now.kind !== 'refreshing' || now.tokens !== old) throw err; // replaced or signed out meanwhile
      if (err.reloginRequired || err.code === 'relogin_required') {
        this.opts.log(`refresh of ${this.label()}: ${err.message} — sign-in required`);
        await this.end(err);
        throw err;
      }
      const delay = this.refresher.backOff(err.retryAfterMs);
      const lastError: ErrorInfo = {
        code: err.code === 'internal' ? 'network' : err.code,
        message: `Could not refresh the session (${err.message}). Keeping it and retrying in ${Math.ceil(delay / 1000)} s.`,
      };
      this.opts.log(
        `refresh failed (attempt ${this.refresher.attempts}), retrying in ${delay} ms: ${err.message} [${this.label()}]`,
      );
      this.set({ kind: 'signedIn', tokens: old, account: now.account, lastError });
      throw new KeybridgeError('refresh_failed', lastError.message, { cause: err, retryable: true });
    }
    const now = this.state;
    if (now.kind !== 'refreshing' || now.tokens !== old) {
      if (this.tokens) return this.tokens;
      throw this.notSignedIn();
    }
    const next: StoredSession = {
      version: 1,
      accessToken: set.accessToken,
      refreshToken: set.refreshToken ?? old.refreshToken,
      idToken: set.idToken ?? old.idToken,
      expiresAt: set.expiresAt,
      obtainedAt: this.opts.now(),
    };
    // Persist first: the old refresh token is spent now, so losing the new one would end the session.
    let lastError: ErrorInfo | undefined;
    try {
      await this.opts.store.save(this.id, next);
    } catch (e) {
      // Keep the new tokens in memory rather than lose them; the next write tries again.
      const saveError = asKeybridgeError(e);
      this.opts.log(`vault: could not save the refreshed session: ${saveError.message}`);
      lastError = {
        code: 'vault_write_failed',
        message: `The refreshed session could not be saved to disk: ${saveError.message}`,
      };
    }
    const account = accountFromTokens(next);
    if (account.planType !== now.account.planType)
      this.opts.log(`plan is now ${account.planType ?? 'unknown'}`);
    this.refresher.scheduleAhead(next);
    this.set({ kind: 'signedIn', tokens: next, account, ...(lastError ? { lastError } : {}) }, 'refreshed');
    this.opts.log(`refreshed ${this.label()}; next expiry ${iso(next.expiresAt)}`);
    return next;
  }

  private async end(err: KeybridgeError): Promise<void> {
    this.refresher.stop();
    this.set({ kind: 'expired', account: this.state.account, error: err.toJSON() }, 'expired');
    try {
      await this.opts.store.remove(this.id);
    } catch (e) {
      this.opts.log(`vault: could not remove the ended session: ${asKeybridgeError(e).message}`);
    }
  }

  private notSignedIn(): KeybridgeError {
    if (this.state.kind === 'expired') {
      return new KeybridgeError('not_signed_in', `${this.state.error.message} Sign in again to continue.`, {
        reloginRequired: true,
      });
    }
    return new KeybridgeError(
      'not_signed_in',
      'Not signed in. Sign in from the Keybridge tray or run `keybridge login`.',
    );
  }

  private label(): string {
    return this.state.account.email ?? this.id;
  }

  /** The one place the state changes, and the one place the owner hears of it. */
  private set(next: AccountState, reason?: CredentialsReason): void {
    this.state = next;
    this.opts.onChange(this, reason);
  }
}

/** credentials()'s last answer per token set; it goes when the tokens go (sign-out, refresh). */
const issued = new WeakMap<StoredSession, { account: AccountInfo; credentials: Credentials }>();

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
