/**
 * One broker connection: its lines in, hello (the tool's name checked, a caller through SSH named so), the
 * contract's broker methods dispatched to the Service, answers and notifications out. A misbehaving peer
 * loses only its own connection (server.ts holds the socket and every connection).
 */
import type net from 'node:net';
import { grants, PROTOCOL_VERSION, RpcErrorCode } from '../api/contract';
import type { Topic } from '../api/protocol';
import type { CallContext, PeerInfo, Service } from '../api/service';
import { isSafeText } from '../text/safe-text';
import { toolNameProblem } from '../text/tool-name';
import { encodeLine, LineSplitter, MAX_LINE_BYTES } from './framing';
import { socketPeer, sshPeer, THROUGH_SSH } from './peer';
import {
  call,
  checkMethod,
  errorResponse,
  notification,
  parseMessage,
  parseParams,
  resultLine,
  RpcError,
  toRpcError,
  type RpcId,
} from './jsonrpc';

/** A peer that stops reading while we keep writing is dropped before it can make us hold unbounded memory. */
const MAX_BUFFERED_WRITE_BYTES = 8 * 1024 * 1024;

export interface BrokerContext {
  service: Service;
  serverInfo?: { name: string; version: string };
  log: (line: string) => void;
  topics: ReadonlySet<Topic>;
  helloTimeoutMs: number;
}

export class Connection {
  client: { name: string; version?: string } | undefined;
  readonly topics = new Set<Topic>();
  /** The pid the tool said it has (hello); shown as unverified. */
  private reportedPid: number | undefined;
  /** Set by hello; every later request runs with it. */
  private ctx: CallContext | undefined;
  private via: 'ssh' | undefined;
  private sshPeerInfo: PeerInfo | undefined;
  private helloInFlight = false;
  private readonly acceptedAt = performance.now();
  private peerLookup: Promise<PeerInfo | undefined> | undefined;
  private readonly splitter = new LineSplitter();
  /** Set until hello's answer is written (hello may ask the OS whether the peer is SSH first). */
  private greeting: Promise<void> | undefined;
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

  /** Closes after what was written has gone out. */
  end(): void {
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
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

  /**
   * One request: checked and handed to its handler synchronously (so a pipelined `hello` is seen by the next
   * line), answered when the handler's promise settles — with no async wrapper around it, as each one costs
   * a promise and a turn of the microtask queue per request.
   */
  private handleLine(line: string): void {
    // A tool reads hello's answer first: lines pipelined behind a hello still running are answered after it.
    const greeting = this.greeting;
    const msg = parseMessage(line);
    if (msg.kind === 'invalid') {
      const refusal = errorResponse(msg.id, msg.error);
      if (greeting === undefined) this.send(refusal);
      else void greeting.then(() => this.send(refusal));
      return;
    }
    const id: RpcId | undefined = msg.kind === 'request' ? msg.id : undefined;
    let answer: unknown;
    try {
      answer = this.call(msg.method, msg.params);
    } catch (e) {
      if (greeting === undefined) {
        this.fail(id, msg.method, e);
        return;
      }
      answer = Promise.reject(e);
    }
    if (greeting !== undefined) {
      const own = Promise.resolve(answer);
      own.catch(() => undefined); // settled below, once hello is answered: not an unhandled rejection
      answer = greeting.then(() => own);
    }
    if (!isThenable(answer)) {
      this.answer(id, answer);
      return;
    }
    const settled = Promise.resolve(answer).then(
      (result) => this.answer(id, result),
      (e: unknown) => this.fail(id, msg.method, e),
    );
    if (msg.method === 'hello') {
      this.greeting = settled;
      void settled.then(() => {
        if (this.greeting === settled) this.greeting = undefined;
      });
    }
  }

  private call(method: string, params: unknown): unknown {
    if (method === 'hello') {
      if (this.helloInFlight || this.client !== undefined) {
        throw new RpcError(RpcErrorCode.InvalidRequest, 'hello was already called on this connection.');
      }
      return this.hello(params);
    }
    // hello may still be asking the OS who the peer is: a request pipelined behind it runs once it is done.
    if (this.ctx === undefined && this.greeting !== undefined) {
      return this.greeting.then(() => this.call(method, params));
    }
    if (this.ctx === undefined) {
      throw new RpcError(
        RpcErrorCode.HelloRequired,
        `Call hello first: the first request on a connection must be hello {protocol: ${PROTOCOL_VERSION}, client: {name}}.`,
      );
    }
    const name = checkMethod(method, grants.broker);
    return call(this.broker.service, name, params, this.ctx, this.own);
  }

  private answer(id: RpcId | undefined, result: unknown): void {
    if (id === undefined) return;
    let line: string;
    try {
      line = resultLine(id, result);
    } catch (e) {
      // A result JSON cannot carry (a cycle, a BigInt): answer with an error instead of throwing.
      line = encodeLine(errorResponse(id, toRpcError(e)));
    }
    this.write(line);
  }

  private fail(id: RpcId | undefined, method: string, e: unknown): void {
    const error = toRpcError(e);
    if (error.code === RpcErrorCode.InternalError) {
      this.broker.log(`broker: ${method} failed (${this.label()}): ${error.message}`);
    }
    if (id !== undefined) this.send(errorResponse(id, error));
  }

  private async hello(params: unknown): Promise<unknown> {
    this.helloInFlight = true;
    try {
      return await this.greet(params);
    } finally {
      this.helloInFlight = false;
    }
  }

  private async greet(params: unknown): Promise<unknown> {
    const p = parseParams('hello', params);
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
    // The hello arrived: asking the OS about the peer below must not count against its deadline.
    clearTimeout(this.helloTimer);
    // A caller through SSH is a tool on another machine: it gets its own name, so it is approved on its own
    // and never rides on a local tool's approval (docs/remote.md).
    const ssh = await sshPeer(this.socket, this.acceptedAt);
    let name = p.client.name;
    if (ssh) {
      this.via = 'ssh';
      this.sshPeerInfo = ssh;
      name = `${name}${THROUGH_SSH}`;
    } else if (name.endsWith(THROUGH_SSH)) {
      throw new RpcError(
        RpcErrorCode.InvalidParams,
        `Invalid params: client names ending in "${THROUGH_SSH.trim()}" are given by Keybridge to callers that come through SSH.`,
      );
    }
    this.client = p.client.version === undefined ? { name } : { name, version: p.client.version };
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
      ...(this.via ? { via: this.via } : {}),
      peer: () =>
        (this.peerLookup ??= this.sshPeerInfo
          ? Promise.resolve(this.sshPeerInfo)
          : socketPeer(this.socket, this.reportedPid)),
    };
  }

  private send(message: unknown): void {
    let line: string;
    try {
      line = encodeLine(message);
    } catch (e) {
      // A result JSON cannot carry (a cycle, a BigInt): answer with an error instead of throwing.
      const id = (message as { id?: RpcId }).id;
      if (id === undefined) return;
      line = encodeLine(errorResponse(id, toRpcError(e)));
    }
    this.write(line);
  }

  private write(line: string): void {
    const socket = this.socket;
    if (socket.destroyed || !socket.writable) return;
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

/** A promise, or anything `await` would treat as one. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
