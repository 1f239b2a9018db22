/**
 * The loopback redirect receiver (RFC 8252 §7.3): a one-attempt HTTP listener on 127.0.0.1 that takes the
 * browser's GET /auth/callback, hands the URL to the sign-in handler and answers with a small page.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KeybridgeError } from '../errors';
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

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off('listening', onListening);
      reject(e);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ port, host: '127.0.0.1', exclusive: true });
  });
}

/**
 * Binds the first free port of `ports` (in order). When every one is taken, throws
 * KeybridgeError('port_in_use') naming them.
 */
export async function startLoopbackReceiver(
  ports: readonly number[],
  onCallback: (url: string) => Promise<CallbackOutcome>,
  log: (msg: string) => void = () => undefined,
): Promise<LoopbackReceiver> {
  const busy: number[] = [];
  for (const wanted of ports) {
    let base = '';
    const server = createServer((req, res) => {
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
    });
    let port: number;
    try {
      port = await listen(server, wanted);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EADDRINUSE' || code === 'EACCES') {
        busy.push(wanted);
        log(`Sign-in: port ${wanted} is busy (${code}).`);
        continue;
      }
      throw new KeybridgeError(
        'internal',
        `Cannot listen on 127.0.0.1:${wanted} for the sign-in: ${code ?? String(e)}`,
        {
          cause: e,
        },
      );
    }
    base = `http://localhost:${port}`;
    if (busy.length > 0)
      log(`Sign-in: using port ${port} because ${busy.join(', ')} ${busy.length === 1 ? 'is' : 'are'} busy.`);
    let closed: Promise<void> | undefined;
    return {
      port,
      redirectUri: `${base}${LOOPBACK_CALLBACK_PATH}`,
      close(graceful = false) {
        closed ??= new Promise<void>((resolve) => {
          server.close(() => resolve());
          if (graceful) {
            server.closeIdleConnections();
            // A browser may hold a speculative connection open: do not wait for it for long.
            setTimeout(() => server.closeAllConnections(), 2000).unref();
          } else server.closeAllConnections();
        });
        return closed;
      },
    };
  }
  throw new KeybridgeError('port_in_use', portInUseMessage(busy));
}
