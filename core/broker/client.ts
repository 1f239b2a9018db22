/**
 * The minimal broker client (used by the `keybridge` CLI, later by a public `keybridge/client` module).
 * Deliberately tiny — only node:net and the framing — because `keybridge token` must start within 1.3× of a
 * bare `node -e 0` (docs/design.md "Quality bars"): no zod, no oauth4webapi, nothing from the rest of the
 * core.
 */
import net from 'node:net';
import { PROTOCOL_VERSION, RpcErrorCode } from '../api/protocol';
import { MAX_LINE_BYTES } from './framing';
import { decodeServerLine, encodeRequest, hostLineReader } from './ndjson';

/**
 * Every call has a deadline: a host that never answers (or answers in a way this client cannot match to the
 * call) must not hang a command for ever. Plain calls get this; calls that wait for the user (sign-in,
 * approval) pass a longer one.
 */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * How long a credentials request may wait for its answer: the host may be asking the user to approve the
 * tool (2 minutes there). Every client waits this long: the CLI, its token fast path and keybridge/client.
 */
export const APPROVAL_WAIT_MS = 5 * 60_000;

export interface ClientInfo {
  name: string;
  version?: string;
  /** Reported in hello so the host can show who asks where the OS does not tell (shown as unverified). */
  pid?: number;
}

export interface BrokerClient {
  /**
   * Calls one method; rejects with a BrokerCallError carrying the JSON-RPC `code`, `message` and `data`, or
   * 'timeout' when no answer came within `timeoutMs` (default: the connection's `callTimeoutMs`), or
   * 'too_large' (before sending) when the request would pass the broker's 64 KiB line limit.
   */
  call(method: string, params?: Record<string, unknown>, opts?: { timeoutMs?: number }): Promise<unknown>;
  /** Server notifications (e.g. `status.changed` after `subscribe`). Returns an unsubscribe function. */
  onNotification(cb: (method: string, params: unknown) => void): () => void;
  /** Called once when the connection ends, for whatever reason. */
  onClose(cb: () => void): void;
  close(): void;
  /** What the host answered to hello. */
  readonly server: { protocol: number; server: { name: string; version: string } };
}

/**
 * A failed call or connection. `code` is the JSON-RPC error code (a number) for errors the host answered, or
 * a string for local failures: 'host_not_running', 'timeout', 'connection_closed', 'protocol', 'too_large'.
 */
export class BrokerCallError extends Error {
  override readonly name = 'BrokerCallError';
  constructor(
    readonly code: number | string,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer?: ReturnType<typeof setTimeout>;
}

/** What `openBroker` gives at once: a client whose hello is already on the wire, its answer still pending. */
export interface PipelinedBrokerClient extends Omit<BrokerClient, 'server'> {
  /** Resolves with the host's answer to hello; rejects when the connection or the hello fails. */
  readonly hello: Promise<BrokerClient['server']>;
}

/** Connects, sends hello, and resolves once the host has answered it. `timeoutMs` bounds connect + hello. */
export interface BrokerClientOptions {
  /** Bounds connect + hello. Default 5 s. */
  timeoutMs?: number;
  /** The deadline of each call that does not bring its own. Default DEFAULT_CALL_TIMEOUT_MS. */
  callTimeoutMs?: number;
}

export async function connectBroker(
  socketPath: string,
  client: ClientInfo,
  opts: BrokerClientOptions = {},
): Promise<BrokerClient> {
  const c = openBroker(socketPath, client, opts);
  const server = await c.hello;
  return {
    call: c.call,
    onNotification: c.onNotification,
    onClose: c.onClose,
    close: c.close,
    server,
  };
}

/**
 * Connects and writes hello at once, without waiting for the connection or for hello's answer: calls made
 * right away are pipelined behind hello (the host handles a connection's lines in order), so a one-shot
 * command like `keybridge token` costs one round trip instead of three (connect, hello, call) — the
 * difference matters for the 1.3× start-up budget of docs/design.md "Quality bars".
 *
 * Failures to connect reject `hello` and every pending call with the same BrokerCallError (e.g.
 * 'host_not_running'); a call rejected only because hello failed reports hello's own error.
 * `timeoutMs` bounds connect + hello.
 */
export function openBroker(
  socketPath: string,
  client: ClientInfo,
  opts: BrokerClientOptions = {},
): PipelinedBrokerClient {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const callTimeoutMs = opts.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const socket = net.connect(socketPath);
  // Hello and whatever the caller asks in this same tick leave in one write (one read for the host).
  socket.cork();
  process.nextTick(() => socket.uncork());
  const pending = new Map<number, Pending>();
  const listeners = new Set<(method: string, params: unknown) => void>();
  const closeListeners: Array<() => void> = [];
  let nextId = 1;
  let connected = false;
  let ended = false;
  let helloError: BrokerCallError | undefined;

  const fail = (error: BrokerCallError) => {
    if (ended) return;
    ended = true;
    socket.destroy();
    for (const p of pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(error);
    }
    pending.clear();
    for (const cb of closeListeners) cb();
  };

  const call = (method: string, params?: Record<string, unknown>, callOpts: { timeoutMs?: number } = {}) =>
    new Promise<unknown>((res, rej) => {
      if (ended) {
        rej(new BrokerCallError('connection_closed', 'The connection to Keybridge is closed.'));
        return;
      }
      const id = nextId++;
      const line = encodeRequest(id, method, params);
      // The host discards a longer line and can only answer it with `id: null`: refuse it here, saying why.
      // (A UTF-16 unit is at most 3 UTF-8 bytes: short lines skip the count.)
      const bytes = line.length * 3 > MAX_LINE_BYTES ? Buffer.byteLength(line) - 1 : 0;
      if (bytes > MAX_LINE_BYTES) {
        rej(
          new BrokerCallError(
            'too_large',
            `The request is too large to send to Keybridge: ${method} would be ${Math.ceil(bytes / 1024)} KiB, and a message may hold at most ${MAX_LINE_BYTES / 1024} KiB.`,
          ),
        );
        return;
      }
      const entry: Pending = {
        resolve: res,
        // A call refused only because hello failed is better explained by hello's own error.
        reject: (e) =>
          rej(
            helloError && e instanceof BrokerCallError && e.code === RpcErrorCode.HelloRequired
              ? helloError
              : e,
          ),
      };
      const deadline = callOpts.timeoutMs ?? callTimeoutMs;
      if (deadline > 0 && Number.isFinite(deadline)) {
        // Armed after this loop turn, once the request has left: the first timer of a process costs ~0.2 ms
        // to set up, better spent while the host answers than before the request leaves.
        setImmediate(() => {
          if (!pending.has(id)) return;
          entry.timer = setTimeout(() => {
            pending.delete(id);
            rej(
              new BrokerCallError(
                'timeout',
                `Keybridge did not answer ${method} at ${socketPath} within ${deadline} ms.`,
              ),
            );
          }, deadline);
        });
      }
      pending.set(id, entry);
      // Before the connection is up, net.Socket queues the write and sends it once connected.
      socket.write(line);
    });

  const onMessage = (line: string) => {
    const msg = decodeServerLine(line);
    if (!msg) return;
    if (msg.kind === 'notification') {
      for (const cb of listeners) cb(msg.method, msg.params);
      return;
    }
    if (msg.kind === 'error' && msg.id === null) {
      // JSON-RPC 2.0 §5: the host could not tell which request this answers (an over-long or unreadable
      // line): every call in flight may be the one, so all end with the host's error, and the connection too.
      fail(
        new BrokerCallError(
          msg.code ?? 'protocol',
          msg.message ?? 'Keybridge answered with an error.',
          msg.data,
        ),
      );
      return;
    }
    const p = typeof msg.id === 'number' ? pending.get(msg.id) : undefined;
    if (!p) return;
    pending.delete(msg.id as number);
    if (p.timer) clearTimeout(p.timer);
    if (msg.kind === 'error') {
      p.reject(
        new BrokerCallError(
          msg.code ?? 'protocol',
          msg.message ?? 'Keybridge answered with an error.',
          msg.data,
        ),
      );
    } else {
      p.resolve(msg.result);
    }
  };

  const read = hostLineReader(onMessage);
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    if (!read(chunk)) fail(new BrokerCallError('protocol', 'Keybridge sent an oversized message.'));
  });
  socket.on('error', (e: NodeJS.ErrnoException) => {
    if (!connected && (e.code === 'ENOENT' || e.code === 'ECONNREFUSED')) {
      fail(
        new BrokerCallError(
          'host_not_running',
          `Keybridge is not running (no broker at ${socketPath}). Start it with \`keybridge serve\` or open the app.`,
        ),
      );
    } else {
      fail(new BrokerCallError('connection_closed', `Lost the connection to Keybridge: ${e.message}`));
    }
  });
  socket.on('close', () =>
    fail(new BrokerCallError('connection_closed', 'Keybridge closed the connection.')),
  );
  socket.once('connect', () => {
    connected = true;
  });

  const info: ClientInfo = { name: client.name };
  if (client.version !== undefined) info.version = client.version;
  if (client.pid !== undefined) info.pid = client.pid;
  // Hello's own deadline bounds connect + hello; when it passes, its rejection below ends the connection.
  const hello = call('hello', { protocol: PROTOCOL_VERSION, client: info }, { timeoutMs }).then(
    (server) => server as BrokerClient['server'],
    (e: Error) => {
      helloError = e instanceof BrokerCallError ? e : new BrokerCallError('protocol', e.message);
      fail(helloError);
      throw helloError;
    },
  );
  // Whoever only makes calls learns of a failed hello from them; never leave this rejection unhandled.
  hello.catch(() => {});

  return {
    hello,
    call,
    onNotification(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    onClose(cb) {
      if (ended) cb();
      else closeListeners.push(cb);
    },
    close() {
      fail(new BrokerCallError('connection_closed', 'The connection to Keybridge was closed.'));
    },
  };
}
