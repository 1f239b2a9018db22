/**
 * `keybridge/client`: what a local tool imports to get its OpenAI credentials from Keybridge instead of
 * running its own sign-in and refresh (docs/client.md "Broker protocol").
 *
 * ```ts
 * import { connect } from 'keybridge/client';
 * const kb = await connect({ name: 'my-agent' });
 * const { accessToken, accountId } = await kb.getCredentials({ minTtlSeconds: 300 });
 * kb.subscribe(['credentials'], (e) => { if (e.type === 'credentials') token = e.change.accessToken; });
 * // on a 401: const fresh = await kb.invalidate(accessToken);
 * ```
 *
 * The connection comes back by itself when the host restarts (backoff, hello again, the same subscriptions
 * again); calls made meanwhile wait for it. Zod-free and dependency-free, built on the CLI's tiny broker
 * client, so importing it costs next to nothing.
 */
import { createHash } from 'node:crypto';
import {
  RpcErrorCode,
  type Credentials,
  type CredentialsChanged,
  type Status,
  type Topic,
} from '../core/api/protocol';
import { backoffMs, type BackoffPolicy } from '../core/backoff';
import {
  APPROVAL_WAIT_MS,
  BrokerCallError,
  connectBroker,
  DEFAULT_CALL_TIMEOUT_MS,
  type BrokerClient,
} from '../core/broker/client';
import { resolveBrokerEndpoint } from '../core/paths';

// The contract's own types (core/api/protocol.ts): what the host sends is exactly what a tool gets.
export type { Credentials, Status, Topic };
/** `credentials.changed`: the token changed (or went away). `accessToken` only when your tool is allowed. */
export type CredentialsChange = CredentialsChanged;

export interface ConnectOptions {
  /** Your tool's name: what the user sees in "Allow «name» to use your OpenAI session?". */
  name: string;
  version?: string;
  /** The broker endpoint; default: KEYBRIDGE_SOCKET, then the data folder's config.json, then the platform default. */
  socketPath?: string;
  /** Reconnect when the host goes away (default true). */
  reconnect?: boolean;
  /** How long a call waits for a connection while the host is away (default 15 s). */
  waitForHostMs?: number;
  /** Bounds connecting and hello, per attempt (default 5 s). */
  connectTimeoutMs?: number;
  /**
   * How long a call waits for the host's answer (default 30 s). `getCredentials` and `invalidate` wait at
   * least `approvalTimeoutMs`, since the first one may wait for the user to allow your tool.
   */
  callTimeoutMs?: number;
  /** How long a credentials call may wait for the user's approval (default 5 minutes). */
  approvalTimeoutMs?: number;
}

/** How long a credentials request may wait for the user to allow the tool (the host asks for 2 minutes). */
export const DEFAULT_APPROVAL_TIMEOUT_MS = APPROVAL_WAIT_MS;

export type KeybridgeEvent =
  | { type: 'status'; status: Status }
  | { type: 'credentials'; change: CredentialsChange }
  /** The connection to the host was lost or came back (subscriptions are renewed by then). */
  | { type: 'connection'; connected: boolean };

export interface KeybridgeClient {
  /**
   * A token with at least `minTtlSeconds` left (the host refreshes first when needed), of the active account
   * or of `account` (an email or ChatGPT account id; your tool then hears only that account's changes).
   */
  getCredentials(opts?: { minTtlSeconds?: number; account?: string }): Promise<Credentials>;
  /**
   * Your request got a 401 with this token (pass the token or its hex SHA-256): the host refreshes only if
   * it is still the current one, and answers with the current credentials either way.
   */
  invalidate(tokenOrSha256: string, opts?: { account?: string }): Promise<Credentials>;
  /** Events for `topics` (plus connection events) until the returned function is called. */
  subscribe(topics: Topic[], onEvent: (event: KeybridgeEvent) => void): Promise<() => void>;
  status(): Promise<Status>;
  readonly connected: boolean;
  close(): void;
}

/**
 * A failed call. `code` is the host's JSON-RPC code — -32001 not signed in, -32003 access denied,
 * -32004 approval timed out, -32005 refresh failed — or a string for local failures: 'host_not_running',
 * 'timeout' (no answer within the call's deadline), 'too_large' (refused before sending: over 64 KiB),
 * 'connection_closed', 'closed'.
 */
export class KeybridgeClientError extends Error {
  override readonly name = 'KeybridgeClientError';
  constructor(
    readonly code: number | string,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export const ErrorCodes = {
  NotSignedIn: RpcErrorCode.NotSignedIn,
  AccessDenied: RpcErrorCode.AccessDenied,
  ApprovalTimeout: RpcErrorCode.ApprovalTimeout,
  RefreshFailed: RpcErrorCode.RefreshFailed,
} as const;

/** Hex SHA-256 of an access token: the name of a token in `invalidate` and `credentials.changed`. */
export function tokenSha256(accessToken: string): string {
  return createHash('sha256').update(accessToken).digest('hex');
}

/** Reconnecting to a restarted host: 50 ms, 100 ms … 2 s, ±25 %. */
const RECONNECT: BackoffPolicy = { firstMs: 50, maxMs: 2000, jitter: [0.75, 1.25] };

/** Connects (the first attempt must succeed) and keeps the connection up until `close()`. */
export async function connect(opts: ConnectOptions): Promise<KeybridgeClient> {
  const client = new ReconnectingClient(opts);
  await client.start();
  return client;
}

interface Subscription {
  topics: Topic[];
  onEvent: (event: KeybridgeEvent) => void;
}

class ReconnectingClient implements KeybridgeClient {
  private conn: BrokerClient | null = null;
  private closed = false;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly subs = new Set<Subscription>();
  private readonly waiters = new Set<() => void>();
  private readonly socketPath: string;

  constructor(private readonly opts: ConnectOptions) {
    this.socketPath = opts.socketPath ?? resolveBrokerEndpoint(process.env);
  }

  get connected(): boolean {
    return this.conn !== null;
  }

  async start(): Promise<void> {
    await this.open();
  }

  getCredentials(opts: { minTtlSeconds?: number; account?: string } = {}): Promise<Credentials> {
    const params = {
      ...(opts.minTtlSeconds === undefined ? {} : { minTtlSeconds: opts.minTtlSeconds }),
      ...(opts.account === undefined ? {} : { account: opts.account }),
    };
    return this.call(
      'credentials.get',
      Object.keys(params).length === 0 ? undefined : params,
      this.approvalDeadline(),
    ) as Promise<Credentials>;
  }

  invalidate(tokenOrSha256: string, opts: { account?: string } = {}): Promise<Credentials> {
    const hash = /^[0-9a-f]{64}$/i.test(tokenOrSha256)
      ? tokenOrSha256.toLowerCase()
      : tokenSha256(tokenOrSha256);
    const params =
      opts.account === undefined ? { tokenSha256: hash } : { tokenSha256: hash, account: opts.account };
    return this.call('credentials.invalidate', params, this.approvalDeadline()) as Promise<Credentials>;
  }

  status(): Promise<Status> {
    return this.call('status.get') as Promise<Status>;
  }

  async subscribe(topics: Topic[], onEvent: (event: KeybridgeEvent) => void): Promise<() => void> {
    const sub: Subscription = { topics: [...topics], onEvent };
    this.subs.add(sub);
    try {
      await this.call('subscribe', { topics: this.topics() });
    } catch (e) {
      this.subs.delete(sub);
      throw e;
    }
    return () => {
      if (!this.subs.delete(sub)) return;
      if (this.conn) void this.conn.call('subscribe', { topics: this.topics() }).catch(() => undefined);
    };
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const conn = this.conn;
    this.conn = null;
    conn?.close();
    for (const w of [...this.waiters]) w();
  }

  /** Every subscription's topics, once each: the broker keeps one set per connection. */
  private topics(): Topic[] {
    const all = new Set<Topic>();
    for (const s of this.subs) for (const t of s.topics) all.add(t);
    return [...all];
  }

  private plainDeadline(): number {
    return this.opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  }

  private approvalDeadline(): number {
    return Math.max(this.plainDeadline(), this.opts.approvalTimeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS);
  }

  /**
   * Calls on the live connection; while the host is away, waits for it (once more after a drop mid-call).
   * Each attempt has a deadline (`timeoutMs`, default the plain one).
   */
  private async call(
    method: string,
    params?: Record<string, unknown>,
    timeoutMs = this.plainDeadline(),
  ): Promise<unknown> {
    for (let tries = 0; ; tries++) {
      const conn = await this.connection();
      try {
        return await conn.call(method, params, { timeoutMs });
      } catch (e) {
        const lost = e instanceof BrokerCallError && e.code === 'connection_closed' && !this.closed;
        if (lost && tries === 0 && this.opts.reconnect !== false) continue;
        throw asClientError(e);
      }
    }
  }

  private async connection(): Promise<BrokerClient> {
    if (this.closed) throw new KeybridgeClientError('closed', 'This Keybridge client was closed.');
    if (this.conn) return this.conn;
    if (this.opts.reconnect === false) {
      throw new KeybridgeClientError('connection_closed', 'The connection to Keybridge is closed.');
    }
    const waitMs = this.opts.waitForHostMs ?? 15_000;
    await new Promise<void>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(done);
        reject(
          new KeybridgeClientError(
            'host_not_running',
            `Keybridge did not come back within ${waitMs} ms (no broker at ${this.socketPath}).`,
          ),
        );
      }, waitMs);
      this.waiters.add(done);
    });
    return this.connection();
  }

  private async open(): Promise<void> {
    const conn = await connectBroker(
      this.socketPath,
      { name: this.opts.name, version: this.opts.version, pid: process.pid },
      { timeoutMs: this.opts.connectTimeoutMs ?? 5000, callTimeoutMs: this.plainDeadline() },
    ).catch((e: unknown) => {
      throw asClientError(e);
    });
    if (this.closed) {
      conn.close();
      return;
    }
    conn.onNotification((method, params) => this.dispatch(method, params));
    conn.onClose(() => this.lost(conn));
    // Renew the subscriptions before anyone may call again: no event is missed between the two.
    const topics = this.topics();
    if (topics.length > 0) {
      try {
        await conn.call('subscribe', { topics });
      } catch (e) {
        conn.close();
        throw asClientError(e);
      }
    }
    this.conn = conn;
    this.attempt = 0;
    for (const w of [...this.waiters]) w();
  }

  private lost(conn: BrokerClient): void {
    if (this.conn !== conn) return;
    this.conn = null;
    this.emit({ type: 'connection', connected: false });
    this.retry();
  }

  private retry(): void {
    if (this.closed || this.opts.reconnect === false) return;
    const delay = backoffMs(this.attempt, RECONNECT);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.open().then(
        () => {
          if (this.conn) this.emit({ type: 'connection', connected: true });
        },
        () => this.retry(),
      );
    }, delay);
  }

  private dispatch(method: string, params: unknown): void {
    if (method === 'status.changed') this.emit({ type: 'status', status: params as Status }, 'status');
    else if (method === 'credentials.changed')
      this.emit({ type: 'credentials', change: params as CredentialsChange }, 'credentials');
  }

  private emit(event: KeybridgeEvent, topic?: Topic): void {
    for (const s of [...this.subs]) {
      if (topic !== undefined && !s.topics.includes(topic)) continue;
      try {
        s.onEvent(event);
      } catch {
        // A throwing handler must not stop the others.
      }
    }
  }
}

function asClientError(e: unknown): KeybridgeClientError {
  if (e instanceof KeybridgeClientError) return e;
  if (e instanceof BrokerCallError) return new KeybridgeClientError(e.code, e.message, e.data);
  return new KeybridgeClientError('internal', e instanceof Error ? e.message : String(e));
}
