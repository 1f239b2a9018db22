/**
 * The browser transport of `keybridge serve --ui`: an HTTP server on 127.0.0.1 that serves the built
 * renderer, and a WebSocket (`/ws`) carrying the renderer's JSON-RPC methods and `status.changed` events.
 *
 * Every request: Host must name this server (DNS-rebinding defence). The upgrade additionally: Origin must
 * be this server (RFC 6455 §10.2), and the caller must present the link's one-time token or the session
 * cookie it was exchanged for (see session-auth.ts). Static files are public (they hold no data); the only
 * way to status and actions is the authenticated WebSocket.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Service } from '../../core/api/service';
import { KeybridgeError, redact } from '../../core/errors';
import { eventNotification, handleRpcMessage, statusNotification } from './rpc';
import { isAllowedHost, isAllowedOrigin, securityHeaders } from './security';
import { WebAuth } from './session-auth';
import { sendText, serveStatic } from './static-files';
import { listening } from '../../core/listening';

/**
 * The broker's line limit (docs/client.md "Broker protocol"), applied to the WebSocket too: larger frames
 * close the connection (1009).
 */
export const MAX_MESSAGE_BYTES = 64 * 1024;

export interface WebUiOptions {
  service: Service;
  /** 0 or undefined: a free port. */
  port?: number;
  /** The built renderer (dist/renderer). */
  staticDir: string;
  log?: (line: string) => void;
}

export interface WebUi {
  /** `http://127.0.0.1:PORT/#token=…` — print it once; its token works once. */
  url: string;
  port: number;
  /** A fresh one-time link (e.g. when the browser that used the first one was closed). */
  issueLink(): string;
  close(): Promise<void>;
}

export async function startWebUi(opts: WebUiOptions): Promise<WebUi> {
  const log = (line: string) => opts.log?.(redact(line));
  const { service, staticDir } = opts;
  const clients = new Set<WebSocket>();
  /** Set-Cookie for the 101 answer of an upgrade that spent a link token. */
  const cookieFor = new WeakMap<IncomingMessage, string>();
  let port = 0;
  /** Set once listening: the CSP names this server's own port. */
  let pageHeaders = securityHeaders(0);
  const auth = new WebAuth(() => port);

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    perMessageDeflate: false,
  });
  wss.on('headers', (headers, req) => {
    const cookie = cookieFor.get(req);
    if (cookie) headers.push(`Set-Cookie: ${cookie}`);
  });

  const server = createServer((req, res) => {
    void onRequest(req, res).catch((e: unknown) => {
      log(`web ui: request failed: ${(e as Error).message}`);
      if (!res.headersSent) sendText(res, 500, 'Internal error.', pageHeaders);
      else res.destroy();
    });
  });

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isAllowedHost(req.headers.host, port)) {
      sendText(res, 421, 'This server answers only to 127.0.0.1 and localhost.', pageHeaders);
      return;
    }
    const pathname = pathOf(req);
    if (pathname === null) {
      sendText(res, 400, 'Bad request.', pageHeaders);
      return;
    }
    if (pathname === '/api/session') {
      // Lets the page tell "host down" from "this tab's session is unknown" (the WebSocket API hides the 401).
      const ok = auth.hasSession(req.headers.cookie);
      res.writeHead(ok ? 204 : 401, { ...pageHeaders, 'Cache-Control': 'no-store' });
      res.end();
      return;
    }
    if (pathname === '/ws') {
      sendText(res, 426, 'Upgrade required.', pageHeaders, {
        Upgrade: 'websocket',
        Connection: 'Upgrade',
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method not allowed.', pageHeaders, { Allow: 'GET, HEAD' });
      return;
    }
    await serveStatic(req, res, staticDir, pathname, pageHeaders);
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, reason: string) => {
      log(`web ui: WebSocket refused (${status}): ${reason}`);
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
    };
    if (!isAllowedHost(req.headers.host, port)) return refuse(421, 'unexpected Host');
    const url = urlOf(req);
    if (!url || url.pathname !== '/ws') return refuse(404, 'not /ws');
    if (!isAllowedOrigin(req.headers.origin, port)) return refuse(403, 'Origin is not this server');
    if (!auth.hasSession(req.headers.cookie)) {
      const session = auth.exchange(url.searchParams.get('token'));
      if (!session) return refuse(401, 'no valid link token or session cookie');
      cookieFor.set(req, auth.setCookie(session));
      log('web ui: link token exchanged for a browser session');
    }
    wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws));
  });

  function onConnection(ws: WebSocket): void {
    clients.add(ws);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        send(ws, {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32600, message: 'Send JSON-RPC as text frames.' },
        });
        return;
      }
      const text = Buffer.isBuffer(data)
        ? data.toString('utf8')
        : Buffer.concat(data as Buffer[]).toString('utf8');
      void handleRpcMessage(service, text, log).then((answer) => {
        if (answer) send(ws, answer);
      });
    });
    ws.on('close', () => clients.delete(ws));
    ws.on('error', (e) => log(`web ui: WebSocket error: ${e.message}`));
  }

  function send(ws: WebSocket, message: unknown): void {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(JSON.stringify(message));
  }

  const offStatus = service.onStatus((status) => {
    const event = statusNotification(status);
    if (!event) {
      log('web ui: a status did not match the contract and was not sent');
      return;
    }
    const text = JSON.stringify(event);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  // Tools and Codex sharing: what the UI shows changes without a status change.
  const offEvents = service.onEvent?.((e) => {
    const event = eventNotification(e.name, e.payload);
    if (!event) {
      log(`web ui: a ${e.name} event did not match the contract and was not sent`);
      return;
    }
    const text = JSON.stringify(event);
    for (const ws of clients) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  try {
    port = await listen(server, opts.port ?? 0);
    pageHeaders = securityHeaders(port);
  } catch (e) {
    offStatus();
    offEvents?.();
    throw e;
  }
  const linkFor = (token: string) => `http://127.0.0.1:${port}/#token=${token}`;
  const url = linkFor(auth.issueLinkToken());
  log(`web ui: serving ${staticDir} at http://127.0.0.1:${port}/`);

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    issueLink: () => linkFor(auth.issueLinkToken()),
    close() {
      closing ??= (async () => {
        offStatus();
        offEvents?.();
        for (const ws of clients) ws.close(1001, 'Keybridge is stopping');
        const stopped = new Promise<void>((done) => server.close(() => done()));
        server.closeIdleConnections();
        // Give the close handshakes a moment, then cut whatever is left.
        await Promise.race([
          Promise.all([...clients].map((ws) => new Promise((r) => ws.once('close', r)))),
          new Promise((r) => setTimeout(r, 500)),
        ]);
        for (const ws of clients) ws.terminate();
        server.closeAllConnections();
        wss.close();
        await stopped;
      })();
      return closing;
    },
  };
}

function urlOf(req: IncomingMessage): URL | null {
  try {
    return new URL(req.url ?? '/', 'http://127.0.0.1');
  } catch {
    return null;
  }
}

function pathOf(req: IncomingMessage): string | null {
  // Only origin-form targets ("/path?query"): an absolute URL or "*" is not something a page of ours sends.
  if (!req.url?.startsWith('/')) return null;
  return urlOf(req)?.pathname ?? null;
}

async function listen(server: ReturnType<typeof createServer>, port: number): Promise<number> {
  try {
    await listening(server, () => server.listen(port, '127.0.0.1'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
    throw new KeybridgeError(
      'port_in_use',
      `Port ${port} is already in use on 127.0.0.1, so the Keybridge UI cannot start there. Choose another with --port N, or leave --port out to use a free one.`,
      { cause: e },
    );
  }
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}
