/**
 * The session: the one holder of every account's refresh token and the one refresher
 * (docs/security.md "The refresh token never leaves the host"). It holds several signed-in accounts
 * (docs/accounts.md), each with its own state and refresher (account-session.ts), and records which one is
 * active: what a caller gets when it names no account.
 *
 * - Signing in while signed in adds the account and makes it active; signing in again to an account that is
 *   already there replaces its tokens.
 * - Every change of an account arrives in one place (`onAccountChange`), which writes the vault when tokens
 *   changed and emits the status once.
 * - The vault holds every account and the active one, written whole and atomically (core/vault).
 */
import type { Credentials, ErrorInfo, SignInInfo, SignInMethod, Status, StorageInfo } from '../api/contract';
import type { OAuthClient, SignInAttempt, TokenSet } from '../auth/types';
import { KeybridgeError, asKeybridgeError } from '../errors';
import { tellEach } from '../listeners';
import { accountKeyOf } from '../vault/contents';
import type { StoredSession, VaultContents } from '../vault/types';
import { AccountSession } from './account-session';
import { resolveAccount, type AccountRef } from './resolve';
import type { AccountEntry, CredentialsListener, CredentialsReason, SessionCredentials } from './credentials';
import { mostRecentlyUsed, vaultContentsOf, type PendingTokens } from './roster';
import { entryOf, methodOf, signInInfo, statusOf } from './status';
import type { SessionManager } from './types';

export type {
  AccountEntry,
  CredentialsListener,
  CredentialsReason,
  CredentialsScope,
  SessionCredentials,
} from './credentials';

/** The vault as the session needs it (core/vault's Vault fits). */
export interface SessionVault {
  load(): Promise<VaultContents | null>;
  save(contents: VaultContents): Promise<void>;
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
 * What the host as a whole is, beside its accounts: not started, the vault could not be read, or running
 * (with the sign-in in progress, if any, and the last problem worth showing that is not an account's).
 */
export type SessionState =
  | { kind: 'starting' }
  | { kind: 'error'; error: ErrorInfo }
  | { kind: 'running'; signIn: PendingSignIn | null; lastError: ErrorInfo | null };

interface PendingSignIn {
  attempt: SignInAttempt;
  done: Promise<Status>;
}

export class Session implements SessionManager {
  private readonly auth: OAuthClient;
  private readonly vault: SessionVault;
  private readonly storage: StorageInfo;
  private readonly log: (line: string) => void;
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly defaultMinTtl: number;

  private state: SessionState = { kind: 'starting' };
  private readonly accounts = new Map<string, AccountSession>();
  private activeId: string | null = null;
  private readonly listeners = new Set<(s: Status) => void>();
  private readonly credentialListeners = new Set<CredentialsListener>();
  private readonly accountListeners = new Set<() => void>();
  /** Accounts a sign-out in progress is taking away. */
  private readonly leaving = new Set<AccountSession>();

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
    let stored: VaultContents | null;
    try {
      stored = await this.vault.load();
    } catch (e) {
      const err = asKeybridgeError(e);
      this.log(`vault: ${err.message}`);
      this.update({ kind: 'error', error: err.toJSON() });
      return;
    }
    this.state = { kind: 'running', signIn: null, lastError: null };
    for (const [id, entry] of Object.entries(stored?.accounts ?? {})) {
      this.accounts.set(id, this.newAccount(id, entry.session, entry.lastUsedAt));
    }
    this.activeId = stored?.activeAccountId ?? this.mostRecentlyUsed()?.id ?? null;
    for (const a of this.accounts.values()) {
      this.log(`session restored for ${a.account.email ?? 'unknown account'}`);
      this.emitCredentials(a, 'restored');
    }
    this.update(this.state);
  }

  // ---- what the host is ----

  /** The active account's session, if any. */
  private get active(): AccountSession | null {
    return (this.activeId !== null && this.accounts.get(this.activeId)) || null;
  }

  status(): Status {
    const s = this.state;
    const active = this.active;
    const others = active ? this.accounts.size - 1 : 0;
    return statusOf(
      this.storage,
      s.kind === 'running' ? { ...s, signIn: s.signIn?.attempt ?? null } : s,
      active,
      others,
    );
  }

  /** Every account, the active one marked. */
  list(): AccountEntry[] {
    return [...this.accounts.values()].map((a) => entryOf(a, a.id === this.activeId));
  }

  get activeAccountId(): string | null {
    return this.activeId;
  }

  /** The account `ref` names (account id or email), or the active one; throws invalid_params / not_signed_in. */
  resolve(ref?: AccountRef): AccountSession {
    if (ref === undefined || ref === null) {
      const active = this.active;
      if (!active) throw this.notSignedIn();
      return active;
    }
    return resolveAccount(this.accounts.values(), ref);
  }

  // ---- tokens ----

  async credentials(minTtlSeconds?: number, account?: AccountRef): Promise<Credentials> {
    return this.resolve(account).credentials(minTtlSeconds);
  }

  /** Single-flight refresh of one account (default: the active one). */
  refresh(account?: AccountRef): Promise<StoredSession> {
    try {
      return this.resolve(account).refresh();
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** An account's current access token (default: the active one's) without refreshing, or null. */
  currentCredentials(account?: AccountRef): SessionCredentials | null {
    if (account === undefined) return this.active?.currentCredentials() ?? null;
    try {
      return this.resolve(account).currentCredentials();
    } catch {
      return null;
    }
  }

  // ---- switching ----

  /** Makes `ref` the active account; tells tools (`switched`) and the status listeners. */
  async switchTo(ref: AccountRef): Promise<AccountSession> {
    const target = this.resolve(ref);
    if (target.id === this.activeId) return target;
    this.activeId = target.id;
    target.lastUsedAt = this.now();
    this.log(`switched to ${target.account.email ?? target.id}`);
    await this.persist();
    this.emitCredentials(target, 'switched');
    this.update(this.state);
    return target;
  }

  // ---- sign-in ----

  async login(opts: { method?: SignInMethod } = {}): Promise<SignInInfo> {
    const method = opts.method ?? 'browser';
    // A vault that could not be read (moved aside, or sealed by a cipher not available now): signing in
    // starts afresh; the next write puts the old file aside rather than overwrite it (core/vault).
    if (this.state.kind === 'error') this.state = { kind: 'running', signIn: null, lastError: null };
    const s = this.running();
    // The same kind of sign-in already waits: answer it again. Another kind replaces it (the OAuth client
    // cancels the earlier attempt when it starts the new one).
    if (s.signIn && methodOf(s.signIn.attempt) === method) return signInInfo(s.signIn.attempt);
    let attempt: SignInAttempt;
    try {
      // Either way the tokens come back through the same path below (completeSignIn), so a device sign-in
      // is stored, announced and counted like any other.
      attempt = await (method === 'device' ? this.auth.beginDeviceSignIn() : this.auth.beginSignIn());
    } catch (e) {
      const err = asKeybridgeError(e);
      this.update({ ...this.running(), lastError: err.toJSON() });
      throw err;
    }
    const done = attempt.result.then(
      (set) => this.completeSignIn(attempt, set),
      (e: unknown) => {
        const err = asKeybridgeError(e);
        const now = this.running();
        if (now.signIn?.attempt === attempt) {
          this.log(`sign-in ended: ${err.code}`);
          this.update({ ...now, signIn: null, lastError: err.toJSON() });
        }
        throw err;
      },
    );
    // Nobody may be waiting; the outcome is in the status either way.
    done.catch(() => {});
    this.update({ ...this.running(), signIn: { attempt, done }, lastError: null });
    return signInInfo(attempt);
  }

  private async completeSignIn(attempt: SignInAttempt, set: TokenSet): Promise<Status> {
    const endAttempt = (lastError: ErrorInfo | null) => {
      const now = this.running();
      if (now.signIn?.attempt === attempt) this.update({ ...now, signIn: null, lastError });
    };
    if (!set.refreshToken) {
      const err = new KeybridgeError(
        'invalid_token_response',
        'The sign-in returned no refresh token, so Keybridge could not keep the session. Try signing in again.',
      );
      endAttempt(err.toJSON());
      throw err;
    }
    const stored: StoredSession = {
      version: 1,
      accessToken: set.accessToken,
      refreshToken: set.refreshToken,
      idToken: set.idToken,
      expiresAt: set.expiresAt,
      obtainedAt: this.now(),
    };
    const id = accountKeyOf(stored);
    const previousActive = this.activeId;
    try {
      await this.persist({ id, tokens: stored, makeActive: true });
    } catch (e) {
      const err = asKeybridgeError(e);
      endAttempt({
        code: err.code,
        message: `Signed in, but the session could not be saved: ${err.message}`,
      });
      throw err;
    }
    this.activeId = id;
    const existing = this.accounts.get(id);
    let account: AccountSession;
    if (existing && existing.current.kind !== 'signedOut') {
      account = existing;
      account.lastUsedAt = this.now();
      await account.replace(stored);
    } else {
      account = this.newAccount(id, stored, this.now());
      this.accounts.set(id, account);
      this.emitCredentials(account, 'signedIn');
    }
    const info = account.account;
    this.log(
      `signed in as ${info.email ?? 'unknown'} (${info.planType ?? 'unknown plan'})` +
        (previousActive && previousActive !== id ? `; ${this.accounts.size} accounts` : ''),
    );
    endAttempt(null);
    return this.status();
  }

  async waitForSignIn(): Promise<Status> {
    const s = this.state;
    if (s.kind === 'running' && s.signIn) return s.signIn.done;
    const status = this.status();
    if (status.state === 'signedIn' || status.state === 'refreshing') return status;
    if (status.lastError) throw new KeybridgeError(status.lastError.code as never, status.lastError.message);
    throw new KeybridgeError(
      'no_sign_in_pending',
      'No sign-in is in progress. Start one with `keybridge login`.',
    );
  }

  cancelSignIn(): boolean {
    const s = this.state;
    if (s.kind !== 'running' || !s.signIn) return false;
    s.signIn.attempt.cancel();
    return true;
  }

  async openUrl(url: string): Promise<Status> {
    const s = this.state;
    if (s.kind !== 'running' || !s.signIn) {
      throw new KeybridgeError(
        'no_sign_in_pending',
        'There is no sign-in waiting for this link. Start a sign-in first, then open or paste the link it gives you.',
      );
    }
    const done = s.signIn.done;
    await this.auth.handleRedirectUrl(url);
    return done;
  }

  // ---- sign-out ----

  /**
   * Signs out one account (`account`), every account (`all`), or the active one. When the active account goes,
   * the most recently used remaining one becomes active. Each signed-out refresh token is revoked at the server.
   */
  async logout(opts: { account?: AccountRef; all?: boolean } = {}): Promise<{
    revoked: boolean;
    signedOut: string[];
  }> {
    this.cancelSignIn();
    const targets = opts.all
      ? [...this.accounts.values()]
      : opts.account !== undefined
        ? [this.resolve(opts.account)]
        : this.active
          ? [this.active]
          : [];
    if (this.state.kind === 'running') this.state = { ...this.state, lastError: null };
    // None of these may take over from the active one: tools would be handed a token that goes next.
    for (const a of targets) this.leaving.add(a);
    let results: Array<{ revoked: boolean }>;
    try {
      results = await Promise.all(targets.map((a) => a.signOut()));
    } finally {
      for (const a of targets) this.leaving.delete(a);
    }
    this.log(targets.length > 0 ? `signed out ${targets.length} account(s)` : 'signed out');
    this.update(this.state);
    return {
      revoked: results.length > 0 && results.every((r) => r.revoked),
      signedOut: targets.map((a) => a.id),
    };
  }

  // ---- listeners ----

  onChange(listener: (status: Status) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Every change of an access token, of any account (`scope` says which, and whether it is the active one). */
  onCredentials(listener: CredentialsListener): () => void {
    this.credentialListeners.add(listener);
    return () => this.credentialListeners.delete(listener);
  }

  /** Any change of the account list: added, removed, switched, a state or plan changed. */
  onAccounts(listener: () => void): () => void {
    this.accountListeners.add(listener);
    return () => this.accountListeners.delete(listener);
  }

  async close(): Promise<void> {
    const s = this.state;
    if (s.kind === 'running') s.signIn?.attempt.cancel();
    await Promise.all([...this.accounts.values()].map((a) => a.close()));
    this.listeners.clear();
    this.credentialListeners.clear();
    this.accountListeners.clear();
  }

  // ---- internals ----

  private newAccount(id: string, tokens: StoredSession, lastUsedAt?: number): AccountSession {
    return new AccountSession(
      id,
      tokens,
      {
        auth: this.auth,
        store: {
          save: (accountId, next) => this.persist({ id: accountId, tokens: next }),
          remove: () => this.persist(),
        },
        log: this.log,
        now: this.now,
        random: this.random,
        defaultMinTtlSeconds: this.defaultMinTtl,
        onChange: (a, reason) => this.onAccountChange(a, reason),
      },
      lastUsedAt,
    );
  }

  /** Every account's change lands here: the account list, the active account, the credentials, the status. */
  private onAccountChange(account: AccountSession, reason?: CredentialsReason): void {
    if (this.accounts.get(account.id) !== account) return;
    if (account.current.kind === 'signedOut') {
      this.accounts.delete(account.id);
      if (this.activeId === account.id) {
        // The most recently used remaining account takes over; tools on the active account hear `switched`.
        const next = this.mostRecentlyUsed();
        this.activeId = next?.id ?? null;
        if (next) {
          next.lastUsedAt = this.now();
          this.emitCredentials(next, 'switched');
          this.emitCredentials(account, 'signedOut', false);
        } else if (reason) this.emitCredentials(account, reason, true);
      } else if (reason) this.emitCredentials(account, reason, false);
    } else if (reason) this.emitCredentials(account, reason);
    this.update(this.state);
  }

  private mostRecentlyUsed(): AccountSession | null {
    return mostRecentlyUsed([...this.accounts.values()].filter((a) => !this.leaving.has(a)));
  }

  private persist(pending?: PendingTokens): Promise<void> {
    const contents = vaultContentsOf(this.accounts.values(), this.activeId, pending, this.now());
    return contents ? this.vault.save(contents) : this.vault.clear();
  }

  private emitCredentials(account: AccountSession, reason: CredentialsReason, active?: boolean): void {
    if (this.credentialListeners.size === 0) return;
    const credentials = account.currentCredentials();
    const scope = { accountId: account.id, active: active ?? account.id === this.activeId };
    tellEach(this.credentialListeners, (l) => l(credentials, reason, scope), this.log, 'credentials');
  }

  private running(): Extract<SessionState, { kind: 'running' }> {
    if (this.state.kind !== 'running') {
      throw new KeybridgeError(
        'vault_unreadable',
        this.state.kind === 'error' ? this.state.error.message : 'Keybridge is still starting.',
      );
    }
    return this.state;
  }

  /** The one place the host state is set and the status emitted. */
  private update(next: SessionState): void {
    this.state = next;
    tellEach(this.accountListeners, (l) => l(), this.log, 'accounts');
    if (this.listeners.size === 0) return;
    const status = this.status();
    tellEach(this.listeners, (l) => l(status), this.log, 'status');
  }

  private notSignedIn(): KeybridgeError {
    const active = this.active?.current;
    if (active?.kind === 'expired') {
      return new KeybridgeError('not_signed_in', `${active.error.message} Sign in again to continue.`, {
        reloginRequired: true,
      });
    }
    return new KeybridgeError(
      'not_signed_in',
      'Not signed in. Sign in from the Keybridge tray or run `keybridge login`.',
    );
  }
}
