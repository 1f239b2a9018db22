/**
 * The local broker (docs/client.md "Broker protocol"): a Unix socket (a named pipe on Windows) that speaks
 * newline-delimited JSON-RPC 2.0 to local tools and dispatches the contract's broker methods to the Service.
 *
 * Access control is the file system's: the folder is 0700 and the socket 0600, so only the same user can
 * connect. Each connection is independent: requests run concurrently, a failing handler answers with an
 * error, and a misbehaving peer loses only its own connection.
 */
import { chmod, lstat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { dirname, resolve as resolvePath } from 'node:path';
import type { Status } from '../api/contract';
import type { BrokerNotice, Service } from '../api/service';
import { redact } from '../errors';
import { isNamedPipe } from '../paths';
import { topics, type Topic } from '../api/protocol';
import { Connection, type BrokerContext } from './connection';
import { listen, preparePrivateFolder, removeStaleSocket } from './socket-file';

export type { Topic } from '../api/protocol';

/** Topics that deliver notifications: `credentials` when the Service sends broker notices (tools-service.ts). */
const STATUS_ONLY: ReadonlySet<Topic> = new Set<Topic>(['status']);
const ALL_TOPICS: ReadonlySet<Topic> = new Set<Topic>(topics);

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
      if (!conn.client) continue;
      if (n.topic === undefined || conn.topics.has(n.topic)) {
        const params = n.paramsFor(conn.client);
        if (params !== undefined) conn.notify(n.method, params);
      }
      // Revoking a tool on another machine cuts it off: its connections close once the notice is written.
      if (n.closes?.(conn.client)) conn.end();
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
