/**
 * The loopback redirect receiver (RFC 8252 §7.3): a one-attempt HTTP listener that takes the browser's
 * GET /auth/callback, hands the URL to the sign-in handler and answers with a small page.
 *
 * The redirect URI says `localhost` (what OpenAI registered), and browsers resolve that to `::1` as well as
 * `127.0.0.1` — Chromium tries `[::1]` first. So the receiver holds the port on both loopback addresses
 * (`::1` where the machine has IPv6) for the whole attempt: otherwise another local user could bind
 * `[::1]:PORT` and be handed the code and the real `state` (RFC 8252 §8.3 leaves loopback ports to whoever
 * binds first). A port taken on either address counts as busy, like a port taken on both: the next one is
 * tried, and the error names every address that was taken.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeybridgeError } from '../errors';
import { listening } from '../listening';
import { PAGE_HEADERS, failurePage, notFoundPage, successPage } from './callback-page';
import { portInUseMessage } from './messages';

export const LOOPBACK_CALLBACK_PATH = '/auth/callback';

export type CallbackOutcome = { ok: true } | { ok: false; message: string };

export interface LoopbackReceiver {
  readonly port: number;
  /** `http://localhost:PORT/auth/callback` — the redirect OpenAI registered for the Codex client. */
  readonly redirectUri: string;
  /**
   * Stops listening (the port is free when this resolves). `graceful` lets an answer being written finish;
   * otherwise open connections are cut.
   */
  close(graceful?: boolean): Promise<void>;
}

export interface LoopbackOptions {
  /** Also listen on ::1. Default: when the machine has an IPv6 loopback (hasIpv6Loopback). */
  ipv6?: boolean;
}

const V4 = '127.0.0.1';
const V6 = '::1';
const shown = (host: string, port: number) => (host === V6 ? `[::1]:${port}` : `${host}:${port}`);

async function listen(server: Server, port: number, host: string): Promise<number> {
  await listening(server, () => server.listen({ port, host, exclusive: true, ipv6Only: host === V6 }));
  return (server.address() as AddressInfo).port;
}

let ipv6Probe: Promise<boolean> | undefined;

/** True when ::1 can be bound here (checked once per process: a machine without IPv6 says so at once). */
export function hasIpv6Loopback(): Promise<boolean> {
  ipv6Probe ??= new Promise<boolean>((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port: 0, host: V6, ipv6Only: true }, () => probe.close(() => resolve(true)));
  });
  return ipv6Probe;
}

const closeServer = (server: Server) => new Promise<void>((resolve) => server.close(() => resolve()));

/**
 * Binds the first port of `ports` (in order) that is free on every loopback address. When every one is
 * taken, throws KeybridgeError('port_in_use') naming them and the addresses that were taken.
 */
export async function startLoopbackReceiver(
  ports: readonly number[],
  onCallback: (url: string) => Promise<CallbackOutcome>,
  log: (msg: string) => void = () => undefined,
  opts: LoopbackOptions = {},
): Promise<LoopbackReceiver> {
  const hosts = (opts.ipv6 ?? (await hasIpv6Loopback())) ? [V4, V6] : [V4];
  const busy: number[] = [];
  const taken: string[] = [];
  let base = '';
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', base);
    // Each answer closes its connection, so closing the listener is never held up by keep-alive.
    const headers = { ...PAGE_HEADERS, connection: 'close' };
    if (req.method !== 'GET' || url.pathname !== LOOPBACK_CALLBACK_PATH) {
      res.writeHead(404, headers).end(notFoundPage());
      return;
    }
    onCallback(`${base}${url.pathname}${url.search}`).then(
      (outcome) => {
        if (outcome.ok) res.writeHead(200, headers).end(successPage());
        else res.writeHead(400, headers).end(failurePage(outcome.message));
      },
      () =>
        res
          .writeHead(500, headers)
          .end(failurePage('Keybridge hit an unexpected error. Start the sign-in again.')),
    );
  };

  for (const wanted of ports) {
    const servers: Server[] = [];
    let port = wanted;
    let takenAt: { address: string; code: string } | undefined;
    for (const host of hosts) {
      const server = createServer(handler);
      try {
        // Port 0: the first address picks a free port, the others must take the same one.
        port = await listen(server, port, host);
        servers.push(server);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        await Promise.all(servers.map(closeServer));
        if (code === 'EADDRINUSE' || code === 'EACCES') {
          takenAt = { address: shown(host, port), code };
          break;
        }
        throw new KeybridgeError(
          'internal',
          `Cannot listen on ${shown(host, port)} for the sign-in: ${code ?? String(e)}`,
          { cause: e },
        );
      }
    }
    if (takenAt !== undefined) {
      busy.push(wanted);
      taken.push(takenAt.address);
      log(`Sign-in: port ${wanted} is busy: ${takenAt.address} (${takenAt.code}) is taken.`);
      continue;
    }
    base = `http://localhost:${port}`;
    if (busy.length > 0)
      log(`Sign-in: using port ${port} because ${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} busy.`);
    let closed: Promise<void> | undefined;
    return {
      port,
      redirectUri: `${base}${LOOPBACK_CALLBACK_PATH}`,
      close(graceful = false) {
        closed ??= Promise.all(
          servers.map((server) => {
            const done = closeServer(server);
            if (graceful) {
              server.closeIdleConnections();
              // A browser may hold a speculative connection open: do not wait for it for long.
              setTimeout(() => server.closeAllConnections(), 2000).unref();
            } else server.closeAllConnections();
            return done;
          }),
        ).then(() => undefined);
        return closed;
      },
    };
  }
  throw new KeybridgeError('port_in_use', portInUseMessage(busy, taken));
}
