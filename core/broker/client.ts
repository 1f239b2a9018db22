/**
 * The minimal broker client (used by the `keybridge` CLI, later by a public `keybridge/client` module).
 * Deliberately tiny — only node:net and the framing — because `keybridge token` must start within 1.3× of a
 * bare `node -e 0` (docs/design.md "Quality bars"): no zod, no oauth4webapi, nothing from the rest of the
 * core.
 */
import net from 'node:net';
import { LineSplitter } from './framing';

export interface ClientInfo {
  name: string;
  version?: string;
  /** Reported in hello so the host can show who asks where the OS does not tell (shown as unverified). */
  pid?: number;
}

export interface BrokerClient {
  /** Calls one method; rejects with a BrokerCallError carrying the JSON-RPC `code`, `message` and `data`. */
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
 * a string for local failures: 'host_not_running', 'timeout', 'connection_closed', 'protocol'.
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

/**
 * The JSON-RPC code the host answers a call with when hello did not succeed first
 * (docs/client.md "Broker protocol").
 */
const RPC_HELLO_REQUIRED = -32002;

/** Connects, sends hello, and resolves once the host has answered it. `timeoutMs` bounds connect + hello. */
export async function connectBroker(
  socketPath: string,
  client: ClientInfo,
  opts: { timeoutMs?: number } = {},
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
  opts: { timeoutMs?: number } = {},
): PipelinedBrokerClient {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const socket = net.connect(socketPath);
  // Hello and whatever the caller asks in this same tick leave in one write (one read for the host).
  socket.cork();
  process.nextTick(() => socket.uncork());
  const splitter = new LineSplitter({
    maxLineBytes: 16 * 1024 * 1024,
    maxUnterminatedBytes: 32 * 1024 * 1024,
  });
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
    clearTimeout(helloTimer);
    socket.destroy();
    for (const p of pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(error);
    }
    pending.clear();
    for (const cb of closeListeners) cb();
  };

  // Armed from setImmediate, i.e. once the first loop turn has connected and sent hello: the first timer of
  // a process costs ~0.2 ms to set up, better spent while the host answers than before the request leaves.
  let helloTimer: ReturnType<typeof setTimeout> | undefined;
  let helloAnswered = false;
  setImmediate(() => {
    if (ended || helloAnswered) return;
    helloTimer = setTimeout(
      () =>
        fail(
          new BrokerCallError('timeout', `Keybridge did not answer at ${socketPath} within ${timeoutMs} ms.`),
        ),
      timeoutMs,
    );
  });

  const call = (method: string, params?: Record<string, unknown>, callOpts: { timeoutMs?: number } = {}) =>
    new Promise<unknown>((res, rej) => {
      if (ended) {
        rej(new BrokerCallError('connection_closed', 'The connection to Keybridge is closed.'));
        return;
      }
      const id = nextId++;
      const entry: Pending = {
        resolve: res,
        // A call refused only because hello failed is better explained by hello's own error.
        reject: (e) =>
          rej(helloError && e instanceof BrokerCallError && e.code === RPC_HELLO_REQUIRED ? helloError : e),
      };
      if (callOpts.timeoutMs !== undefined) {
        entry.timer = setTimeout(() => {
          pending.delete(id);
          rej(
            new BrokerCallError(
              'timeout',
              `Keybridge did not answer ${method} within ${callOpts.timeoutMs} ms.`,
            ),
          );
        }, callOpts.timeoutMs);
      }
      pending.set(id, entry);
      const message =
        params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };
      // Before the connection is up, net.Socket queues the write and sends it once connected.
      socket.write(JSON.stringify(message) + '\n');
    });

  const onMessage = (line: string) => {
    let msg: { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown };
    try {
      msg = JSON.parse(line) as typeof msg;
    } catch {
      return;
    }
    if (typeof msg.method === 'string' && msg.id === undefined) {
      for (const cb of listeners) cb(msg.method, msg.params);
      return;
    }
    const p = typeof msg.id === 'number' ? pending.get(msg.id) : undefined;
    if (!p) return;
    pending.delete(msg.id as number);
    if (p.timer) clearTimeout(p.timer);
    if (msg.error && typeof msg.error === 'object') {
      const e = msg.error as { code?: unknown; message?: unknown; data?: unknown };
      p.reject(
        new BrokerCallError(
          typeof e.code === 'number' ? e.code : 'protocol',
          typeof e.message === 'string' ? e.message : 'Keybridge answered with an error.',
          e.data,
        ),
      );
    } else {
      p.resolve(msg.result);
    }
  };

  socket.on('data', (chunk: Buffer) => {
    for (const ev of splitter.push(chunk)) {
      if (ev.type === 'line') onMessage(ev.line);
      else if (ev.type === 'flood')
        fail(new BrokerCallError('protocol', 'Keybridge sent an oversized message.'));
    }
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
  const hello = call('hello', { protocol: 1, client: info }).then(
    (server) => {
      helloAnswered = true;
      clearTimeout(helloTimer);
      return server as BrokerClient['server'];
    },
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
