/**
 * The local broker (docs/client.md "Broker protocol"): a Unix socket (a named pipe on Windows) that speaks
 * newline-delimited JSON-RPC 2.0 to local tools and dispatches the contract's broker methods to the Service.
 *
 * Access control is the file system's: the folder is 0700 and the socket 0600, so only the same user can
 * connect. Each connection is independent: requests run concurrently, a failing handler answers with an
 * error, and a misbehaving peer loses only its own connection.
 */
import { chmod, lstat, mkdir, stat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { homedir } from 'node:os';
import { dirname, resolve as resolvePath } from 'node:path';
import { grants, PROTOCOL_VERSION, RpcErrorCode, type Status } from '../api/contract';
import type { BrokerNotice, CallContext, PeerInfo, Service } from '../api/service';
import { KeybridgeError, redact } from '../errors';
import { isNamedPipe } from '../paths';
import { isSafeText } from '../text/safe-text';
import { toolNameProblem } from '../text/tool-name';
import { encodeLine, LineSplitter, MAX_LINE_BYTES } from './framing';
import { socketPeer } from './peer';
import {
  dispatch,
  errorResponse,
  notification,
  parseMessage,
  parseParams,
  resultResponse,
  RpcError,
  toRpcError,
  type RpcId,
} from './jsonrpc';

export type Topic = 'status' | 'credentials';
/** Topics that deliver notifications: `credentials` when the Service sends broker notices (tools-service.ts). */
const STATUS_ONLY: ReadonlySet<Topic> = new Set<Topic>(['status']);
const ALL_TOPICS: ReadonlySet<Topic> = new Set<Topic>(['status', 'credentials']);

export interface BrokerOptions {
  socketPath: string;
  service: Service;
  log?: (line: string) => void;
  /** Answered to `hello`; without it the Service's own `hello` answers. */
  serverInfo?: { name: string; version: string };
  /** A connection that has not completed `hello` within this is closed. Default HELLO_TIMEOUT_MS. */
  helloTimeoutMs?: number;
}

/**
 * A tool sends hello first thing; a connection that never does only holds a file descriptor and memory of
 * ours (many of them: a slow exhaustion), so it is closed after this long.
 */
export const HELLO_TIMEOUT_MS = 10_000;

export interface Broker {
  readonly path: string;
  close(): Promise<void>;
  /** Open connections, greeted or not. */
  connections(): number;
  /**
   * Sends a notification to every greeted connection subscribed to `topic` (to every greeted connection when
   * no topic is given). Returns how many connections it was sent to.
   */
  broadcast(method: string, params: unknown, topic?: Topic): number;
}

/** A peer that stops reading while we keep writing is dropped before it can make us hold unbounded memory. */
const MAX_BUFFERED_WRITE_BYTES = 8 * 1024 * 1024;

export async function startBroker(opts: BrokerOptions): Promise<Broker> {
  const path = opts.socketPath;
  const log = (line: string) => opts.log?.(redact(line));
  const pipe = process.platform === 'win32' || isNamedPipe(path);

  if (!pipe) {
    await preparePrivateFolder(dirname(resolvePath(path)), log);
    await removeStaleSocket(path);
  }

  const live = new Set<Connection>();
  const ctx: BrokerContext = {
    service: opts.service,
    serverInfo: opts.serverInfo,
    log,
    topics: opts.service.onBrokerNotice ? ALL_TOPICS : STATUS_ONLY,
    helloTimeoutMs: opts.helloTimeoutMs ?? HELLO_TIMEOUT_MS,
  };
  const server = net.createServer((socket) => {
    const conn = new Connection(socket, ctx);
    live.add(conn);
    socket.once('close', () => {
      live.delete(conn);
      if (conn.client) opts.service.brokerConnection?.(conn.client, false);
    });
  });
  server.on('error', (e) => log(`broker: server error: ${(e as Error).message}`));

  await listen(server, path, !pipe);
  let inode: number | undefined;
  try {
    if (!pipe) {
      await chmod(path, 0o600);
      inode = (await lstat(path)).ino;
    }
  } catch (e) {
    server.close();
    throw e;
  }

  const broadcast = (method: string, params: unknown, topic?: Topic): number => {
    let sent = 0;
    for (const conn of live) {
      if (conn.greeted && (topic === undefined || conn.topics.has(topic))) {
        conn.notify(method, params);
        sent += 1;
      }
    }
    return sent;
  };
  const stopStatus = opts.service.onStatus((status: Status) => broadcast('status.changed', status, 'status'));
  // Per-connection notices: each connection gets its own params (only approved tools get a token).
  const stopNotices = opts.service.onBrokerNotice?.((n: BrokerNotice) => {
    for (const conn of live) {
      if (!conn.client || (n.topic !== undefined && !conn.topics.has(n.topic))) continue;
      const params = n.paramsFor(conn.client);
      if (params !== undefined) conn.notify(n.method, params);
    }
  });

  let closing: Promise<void> | undefined;
  return {
    path,
    connections: () => live.size,
    broadcast,
    close() {
      closing ??= (async () => {
        stopStatus();
        stopNotices?.();
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        for (const conn of live) conn.destroy();
        await closed;
        // libuv unlinks the socket on close; make sure, but never remove a socket someone else bound since.
        if (inode !== undefined) {
          try {
            if ((await lstat(path)).ino === inode) await unlink(path);
          } catch {
            // Already gone.
          }
        }
      })();
      return closing;
    },
  };
}

interface BrokerContext {
  service: Service;
  serverInfo?: { name: string; version: string };
  log: (line: string) => void;
  topics: ReadonlySet<Topic>;
  helloTimeoutMs: number;
}

class Connection {
  client: { name: string; version?: string } | undefined;
  readonly topics = new Set<Topic>();
  /** The pid the tool said it has (hello); shown as unverified. */
  private reportedPid: number | undefined;
  /** Set by hello; every later request runs with it. */
  private ctx: CallContext | undefined;
  private peerLookup: Promise<PeerInfo | undefined> | undefined;
  private readonly splitter = new LineSplitter();
  private helloTimer: NodeJS.Timeout | undefined;
  /** Methods this connection answers itself rather than the Service. */
  private readonly own = { subscribe: (p: unknown) => this.subscribe(p as { topics: Topic[] }) };

  constructor(
    private readonly socket: net.Socket,
    private readonly broker: BrokerContext,
  ) {
    socket.setNoDelay?.(true);
    this.helloTimer = setTimeout(() => this.helloTimedOut(), broker.helloTimeoutMs);
    this.helloTimer.unref();
    socket.once('close', () => clearTimeout(this.helloTimer));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    // A socket error (peer reset, EPIPE) ends this connection only.
    socket.on('error', (e) => {
      this.broker.log(`broker: connection error (${this.label()}): ${e.message}`);
      socket.destroy();
    });
  }

  get greeted(): boolean {
    return this.client !== undefined;
  }

  notify(method: string, params: unknown): void {
    this.send(notification(method, params));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private helloTimedOut(): void {
    if (this.greeted) return;
    const seconds = this.broker.helloTimeoutMs / 1000;
    this.broker.log(`broker: closing a connection that sent no hello within ${seconds} s`);
    this.socket.end(
      encodeLine(
        errorResponse(null, {
          code: RpcErrorCode.HelloRequired,
          message: `Closing the connection: no hello within ${seconds} s.`,
        }),
      ),
    );
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private onData(chunk: Buffer): void {
    for (const event of this.splitter.push(chunk)) {
      switch (event.type) {
        case 'line':
          void this.handleLine(event.line);
          break;
        case 'overlong':
          this.send(
            errorResponse(null, {
              code: RpcErrorCode.InvalidRequest,
              message: `Request too large: a line may hold at most ${event.limit} bytes (${event.limit / 1024} KiB); the rest of that line is discarded.`,
            }),
          );
          break;
        case 'badEncoding':
          this.send(
            errorResponse(null, {
              code: RpcErrorCode.ParseError,
              message: 'Parse error: the line is not valid UTF-8.',
            }),
          );
          break;
        case 'flood':
          this.broker.log(
            `broker: closing connection (${this.label()}): ${event.limit} bytes without a newline`,
          );
          this.socket.end(
            encodeLine(
              errorResponse(null, {
                code: RpcErrorCode.InvalidRequest,
                message: `Closing the connection: more than ${event.limit} bytes arrived without a newline (lines may hold at most ${MAX_LINE_BYTES} bytes).`,
              }),
            ),
          );
          setTimeout(() => this.socket.destroy(), 1000).unref();
          return;
      }
    }
  }

  private async handleLine(line: string): Promise<void> {
    const msg = parseMessage(line);
    if (msg.kind === 'invalid') {
      this.send(errorResponse(msg.id, msg.error));
      return;
    }
    const id: RpcId | undefined = msg.kind === 'request' ? msg.id : undefined;
    try {
      // Runs synchronously up to the handler's first await, so a pipelined `hello` is seen by the next line.
      const result = await this.dispatch(msg.method, msg.params);
      if (id !== undefined) this.send(resultResponse(id, result));
    } catch (e) {
      const error = toRpcError(e);
      if (error.code === RpcErrorCode.InternalError) {
        this.broker.log(`broker: ${msg.method} failed (${this.label()}): ${error.message}`);
      }
      if (id !== undefined) this.send(errorResponse(id, error));
    }
  }

  private async dispatch(method: string, params: unknown): Promise<unknown> {
    if (method === 'hello') return this.hello(params);
    if (this.ctx === undefined) {
      throw new RpcError(
        RpcErrorCode.HelloRequired,
        `Call hello first: the first request on a connection must be hello {protocol: ${PROTOCOL_VERSION}, client: {name}}.`,
      );
    }
    const { result } = await dispatch(this.broker.service, method, params, this.ctx, grants.broker, this.own);
    return result;
  }

  private async hello(params: unknown): Promise<unknown> {
    const p = parseParams('hello', params);
    if (this.client !== undefined) {
      throw new RpcError(RpcErrorCode.InvalidRequest, 'hello was already called on this connection.');
    }
    if (p.protocol !== PROTOCOL_VERSION) {
      throw new RpcError(
        RpcErrorCode.InvalidRequest,
        `Unsupported protocol ${p.protocol}: this Keybridge supports protocol ${PROTOCOL_VERSION} only.`,
        { supported: [PROTOCOL_VERSION] },
      );
    }
    // The name is what the user is asked about and what the logs show: refused unless it is exactly
    // what it looks like (core/text/tool-name.ts). The reason never repeats the raw name.
    const problem = toolNameProblem(p.client.name);
    if (problem) throw new RpcError(RpcErrorCode.InvalidParams, `Invalid params: client.name: ${problem}.`);
    if (p.client.version !== undefined && !isSafeText(p.client.version)) {
      throw new RpcError(
        RpcErrorCode.InvalidParams,
        'Invalid params: client.version may hold printable characters only.',
      );
    }
    clearTimeout(this.helloTimer);
    this.client =
      p.client.version === undefined
        ? { name: p.client.name }
        : { name: p.client.name, version: p.client.version };
    this.reportedPid = p.client.pid;
    // Who the caller is does not change after hello: one context serves every later request.
    this.ctx = this.context();
    this.broker.service.brokerConnection?.(this.client, true);
    if (this.broker.serverInfo) return { protocol: PROTOCOL_VERSION, server: this.broker.serverInfo };
    return this.broker.service.hello(p, this.ctx);
  }

  /** Replaces this connection's subscriptions; answers with the topics that will be delivered. */
  private subscribe(p: { topics: Topic[] }): { topics: Topic[] } {
    this.topics.clear();
    for (const t of p.topics) if (this.broker.topics.has(t)) this.topics.add(t);
    return { topics: [...this.topics] };
  }

  private context(): CallContext {
    // Node exposes no peer credentials (SO_PEERCRED) for Unix sockets: `peer` asks the OS another way (peer.ts),
    // once per connection and only when needed (an approval prompt).
    return {
      transport: 'broker',
      client: this.client,
      reportedPid: this.reportedPid,
      peer: () => (this.peerLookup ??= socketPeer(this.socket, this.reportedPid)),
    };
  }

  private send(message: unknown): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
    let line: string;
    try {
      line = encodeLine(message);
    } catch (e) {
      // A result JSON cannot carry (a cycle, a BigInt): answer with an error instead of throwing.
      const id = (message as { id?: RpcId }).id;
      if (id === undefined) return;
      line = encodeLine(errorResponse(id, toRpcError(e)));
    }
    socket.write(line);
    if (socket.writableLength > MAX_BUFFERED_WRITE_BYTES) {
      this.broker.log(`broker: closing connection (${this.label()}): it does not read its responses`);
      socket.destroy();
    }
  }

  private label(): string {
    return this.client ? `client ${this.client.name}` : 'before hello';
  }
}

/**
 * The socket's folder: created 0700; an existing one we own is tightened to 0700 — unless it is a shared or
 * personal folder (sticky like /tmp, or the home folder) that a KEYBRIDGE_SOCKET override pointed into.
 */
async function preparePrivateFolder(dir: string, log: (line: string) => void): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await stat(dir);
  if ((st.mode & 0o077) === 0) return;
  const uid = process.getuid?.();
  const ours = uid !== undefined && st.uid === uid;
  const shared = (st.mode & 0o1000) !== 0 || resolvePath(dir) === resolvePath(homedir());
  if (ours && !shared) {
    await chmod(dir, 0o700);
  } else {
    log(`broker: ${dir} is readable by others; the socket itself is 0600`);
  }
}

/**
 * A socket file left by a host that died is removed — but only after confirming nothing answers on it, so a
 * second host never steals a live host's endpoint.
 */
async function removeStaleSocket(path: string): Promise<void> {
  let st;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  if (!st.isSocket()) {
    throw new KeybridgeError(
      'config_invalid',
      `${path} exists and is not a socket; Keybridge will not replace it. Remove it or set KEYBRIDGE_SOCKET to another path.`,
    );
  }
  if (await answers(path)) {
    throw new KeybridgeError(
      'host_already_running',
      `Another Keybridge host is already serving ${path}. Stop it first or set KEYBRIDGE_SOCKET to another path.`,
    );
  }
  await unlink(path);
}

/** True when something accepts connections on `path` (or when we cannot tell: then we must not remove it). */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    const done = (alive: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(alive);
    };
    const timer = setTimeout(() => done(true), 1000);
    socket.once('connect', () => done(true));
    socket.once('error', (e: NodeJS.ErrnoException) =>
      done(e.code !== 'ECONNREFUSED' && e.code !== 'ENOENT'),
    );
  });
}

/**
 * Listens with umask 0177 around the (synchronous) bind so the socket is never, even briefly, connectable by
 * others; the chmod after listen covers threads where the umask cannot be changed.
 */
function listen(server: net.Server, path: string, restrictUmask: boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    let previous: number | undefined;
    if (restrictUmask) {
      try {
        previous = process.umask(0o177);
      } catch {
        // Worker threads cannot change the umask.
      }
    }
    try {
      server.listen(path);
    } finally {
      if (previous !== undefined) process.umask(previous);
    }
  });
}
