/**
 * The web transport over real HTTP and WebSocket on loopback, against an in-test Service.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { KeybridgeError } from '../../core/errors';
import type { UiStarter } from '../ui';
import { CONTENT_SECURITY_POLICY, contentSecurityPolicy, startUi, startWebUi, type WebUi } from './index';
import { SECRET_ACCESS_TOKEN, statuses, TestService } from '../../test/support/fake-service';

// Compile-time check: what serve --ui calls has the shape headless/ui.ts expects.
const _wired: UiStarter = startUi;

interface HttpAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function httpGet(port: number, path: string, opts: { host?: string; method?: string; cookie?: string } = {}) {
  return new Promise<HttpAnswer>((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: opts.method ?? 'GET',
        headers: { Host: opts.host ?? `127.0.0.1:${port}`, ...(opts.cookie ? { Cookie: opts.cookie } : {}) },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

interface Opened {
  ws: WebSocket;
  setCookie: string | undefined;
  messages: unknown[];
  call(
    method: string,
    params?: unknown,
  ): Promise<{ result?: unknown; error?: { code: number; message: string; data?: { code?: string } } }>;
  next(pred: (m: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
}

/** Opens the WebSocket; resolves when open, rejects with the HTTP status when refused. */
function openWs(
  port: number,
  opts: { token?: string; origin?: string | null; host?: string; cookie?: string } = {},
): Promise<Opened> {
  const url = `ws://127.0.0.1:${port}/ws${opts.token ? `?token=${encodeURIComponent(opts.token)}` : ''}`;
  const headers: Record<string, string> = {};
  if (opts.host) headers.Host = opts.host;
  if (opts.cookie) headers.Cookie = opts.cookie;
  const ws = new WebSocket(url, {
    headers,
    ...(opts.origin === null ? {} : { origin: opts.origin ?? `http://127.0.0.1:${port}` }),
  });
  const messages: Record<string, unknown>[] = [];
  const waiters: Array<{
    pred: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }> = [];
  let setCookie: string | undefined;
  ws.on('upgrade', (res) => {
    const c = res.headers['set-cookie'];
    setCookie = Array.isArray(c) ? c[0] : c;
  });
  ws.on('message', (data) => {
    const m = JSON.parse(String(data)) as Record<string, unknown>;
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.pred(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  let nextId = 1;
  const next = (pred: (m: Record<string, unknown>) => boolean) =>
    new Promise<Record<string, unknown>>((resolve) => {
      const found = messages.find(pred);
      if (found) resolve(found);
      else waiters.push({ pred, resolve });
    });
  return new Promise((resolve, reject) => {
    ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.on('error', reject);
    ws.on('open', () =>
      resolve({
        ws,
        setCookie,
        messages,
        next,
        call(method, params) {
          const id = nextId++;
          ws.send(
            JSON.stringify(
              params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params },
            ),
          );
          return next((m) => m.id === id) as never;
        },
      }),
    );
  });
}

const tokenOf = (url: string) => new URL(url).hash.replace('#token=', '');
const cookiePair = (setCookie: string | undefined) => setCookie?.split(';')[0] ?? '';

let dir: string;
let staticDir: string;
let service: TestService;
let ui: WebUi;
let logs: string[];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-web-'));
  staticDir = join(dir, 'renderer');
  await mkdir(join(staticDir, 'assets'), { recursive: true });
  await writeFile(
    join(staticDir, 'index.html'),
    '<!doctype html><title>Keybridge</title><div id="root"></div>',
  );
  await writeFile(join(staticDir, 'assets', 'index-abc.js'), 'console.log("ui")');
  await writeFile(join(staticDir, 'assets', 'index-abc.css'), 'body{}');
  await writeFile(join(dir, 'secret.txt'), 'TOP-SECRET-OUTSIDE');
  await symlink(join(dir, 'secret.txt'), join(staticDir, 'link.txt'));
  service = new TestService();
  logs = [];
  ui = await startWebUi({ service, staticDir, log: (l) => logs.push(l) });
});

afterEach(async () => {
  await ui.close();
  await rm(dir, { recursive: true, force: true });
});

describe('static files', () => {
  it('serves the renderer with content types and security headers', async () => {
    const index = await httpGet(ui.port, '/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(index.headers['content-security-policy']).toBe(contentSecurityPolicy(ui.port));
    // connect-src names this server's own origin only: no wildcard port, no other host.
    expect(index.headers['content-security-policy']).toContain(
      `connect-src 'self' ws://127.0.0.1:${ui.port} ws://localhost:${ui.port};`,
    );
    expect(index.headers['content-security-policy']).not.toContain(':*');
    expect(CONTENT_SECURITY_POLICY).toContain("connect-src 'self';");
    expect(index.headers['x-content-type-options']).toBe('nosniff');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    expect(index.headers['x-frame-options']).toBe('DENY');
    expect(index.headers['cache-control']).toBe('no-store');
    expect(index.body).toContain('<div id="root">');

    const js = await httpGet(ui.port, '/assets/index-abc.js');
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await httpGet(ui.port, '/assets/index-abc.css')).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    expect((await httpGet(ui.port, '/localhost-works', { host: `localhost:${ui.port}` })).status).toBe(404);
    expect((await httpGet(ui.port, '/', { host: `localhost:${ui.port}` })).status).toBe(200);
  });

  it('lists no folder and answers only GET and HEAD', async () => {
    const listing = await httpGet(ui.port, '/assets/');
    expect(listing.status).toBe(404);
    expect(listing.body).not.toContain('index-abc');
    expect((await httpGet(ui.port, '/nope.js')).status).toBe(404);
    expect((await httpGet(ui.port, '/', { method: 'POST' })).status).toBe(405);
    const head = await httpGet(ui.port, '/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('refuses path traversal, encoded or through a symlink', async () => {
    for (const path of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00index.html',
      '/link.txt',
      '/.hidden',
    ]) {
      const answer = await httpGet(ui.port, path);
      expect(answer.body, path).not.toContain('TOP-SECRET');
      expect([400, 404], path).toContain(answer.status);
    }
  });

  it('says how to build the UI when it is not built', async () => {
    await rm(join(staticDir, 'index.html'));
    const answer = await httpGet(ui.port, '/');
    expect(answer.status).toBe(503);
    expect(answer.body).toContain('npm run build:renderer');
  });
});

describe('DNS-rebinding and cross-site defences', () => {
  it('refuses a request for another Host name', async () => {
    const answer = await httpGet(ui.port, '/', { host: `evil.example:${ui.port}` });
    expect(answer.status).toBe(421);
    expect(answer.body).not.toContain('root');
    expect((await httpGet(ui.port, '/', { host: `127.0.0.1:${ui.port + 1}` })).status).toBe(421);
    await expect(
      openWs(ui.port, { token: tokenOf(ui.url), host: `evil.example:${ui.port}` }),
    ).rejects.toThrow('HTTP 421');
  });

  it('refuses a WebSocket from another Origin, or with none, and keeps the token unspent', async () => {
    await expect(openWs(ui.port, { token: tokenOf(ui.url), origin: 'http://evil.example' })).rejects.toThrow(
      'HTTP 403',
    );
    await expect(
      openWs(ui.port, { token: tokenOf(ui.url), origin: `http://127.0.0.1:${ui.port + 1}` }),
    ).rejects.toThrow('HTTP 403');
    await expect(openWs(ui.port, { token: tokenOf(ui.url), origin: null })).rejects.toThrow('HTTP 403');
    const ok = await openWs(ui.port, { token: tokenOf(ui.url), origin: `http://localhost:${ui.port}` });
    ok.ws.close();
  });
});

describe('the one-time link', () => {
  it('without the token or a session, gives nothing', async () => {
    await expect(openWs(ui.port)).rejects.toThrow('HTTP 401');
    await expect(openWs(ui.port, { token: 'A'.repeat(43) })).rejects.toThrow('HTTP 401');
    await expect(openWs(ui.port, { cookie: `kb_session_${ui.port}=${'B'.repeat(43)}` })).rejects.toThrow(
      'HTTP 401',
    );
    expect((await httpGet(ui.port, '/api/session')).status).toBe(401);
    expect(service.calls).toEqual([]);
  });

  it('is swapped once for a session cookie; the token is then spent and the cookie works', async () => {
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/#token=[A-Za-z0-9_-]{43}$/);
    const first = await openWs(ui.port, { token: tokenOf(ui.url) });
    expect(first.setCookie).toMatch(
      new RegExp(`^kb_session_${ui.port}=[A-Za-z0-9_-]{43}; Path=/; HttpOnly; SameSite=Strict$`),
    );
    await expect(openWs(ui.port, { token: tokenOf(ui.url) })).rejects.toThrow('HTTP 401');

    const cookie = cookiePair(first.setCookie);
    const again = await openWs(ui.port, { cookie });
    expect(again.setCookie).toBeUndefined();
    expect((await again.call('status.get')).result).toMatchObject({ state: 'signedOut' });
    expect((await httpGet(ui.port, '/api/session', { cookie })).status).toBe(204);
    first.ws.close();
    again.ws.close();
    expect(logs.join('\n')).not.toContain(tokenOf(ui.url));
  });

  it('issues fresh links on request', async () => {
    const second = ui.issueLink();
    expect(tokenOf(second)).not.toBe(tokenOf(ui.url));
    (await openWs(ui.port, { token: tokenOf(second) })).ws.close();
    (await openWs(ui.port, { token: tokenOf(ui.url) })).ws.close();
  });
});

describe('JSON-RPC over the WebSocket', () => {
  async function signedInClient() {
    return openWs(ui.port, { token: tokenOf(ui.url) });
  }

  it('answers status.get and pushes status.changed to every client', async () => {
    const a = await signedInClient();
    const b = await openWs(ui.port, { cookie: cookiePair(a.setCookie) });
    expect(await a.call('status.get')).toMatchObject({ result: { state: 'signedOut' } });
    service.setStatus(statuses.signedIn());
    for (const c of [a, b]) {
      const event = await c.next((m) => m.method === 'status.changed');
      expect(event).toMatchObject({
        jsonrpc: '2.0',
        params: { state: 'signedIn', account: { email: 'ada@example.com', planType: 'plus' } },
      });
      expect(event).not.toHaveProperty('id');
    }
    expect(service.calls[0]?.ctx).toEqual({ transport: 'websocket' });
    a.ws.close();
    b.ws.close();
  });

  it('grants only the renderer methods: credentials.get and the rest are not found', async () => {
    const c = await signedInClient();
    for (const method of [
      'credentials.get',
      'hello',
      'subscribe',
      'auth.wait',
      'no.such',
      '__proto__',
      'constructor',
    ]) {
      const answer = await c.call(
        method,
        method === 'hello' ? { protocol: 1, client: { name: 'x' } } : undefined,
      );
      expect(answer.error?.code, method).toBe(-32601);
    }
    expect(service.calls.map((x) => x.method)).not.toContain('credentials.get');
    expect(JSON.stringify(c.messages)).not.toContain(SECRET_ACCESS_TOKEN);
    c.ws.close();
  });

  it('checks params against the contract', async () => {
    const c = await signedInClient();
    expect((await c.call('auth.openUrl', { url: 5 })).error?.code).toBe(-32602);
    expect((await c.call('auth.openUrl', {})).error?.code).toBe(-32602);
    expect((await c.call('auth.openUrl', { url: 'x'.repeat(9000) })).error?.code).toBe(-32602);
    expect((await c.call('auth.login', { noBrowser: 'yes' })).error?.code).toBe(-32602);
    expect((await c.call('status.get', { extra: 1 })).error?.code).toBe(-32602);
    expect((await c.call('auth.logout', [1])).error?.code).toBe(-32602);
    expect(service.calls).toEqual([]);
    expect((await c.call('auth.login', { noBrowser: true })).result).toEqual({
      url: service.authorizeUrl,
      redirectUri: 'http://localhost:1455/auth/callback',
    });
    c.ws.close();
  });

  it('maps errors like the broker, with the code in data and the message redacted', async () => {
    const c = await signedInClient();
    const wrong = await c.call('auth.openUrl', {
      url: 'http://localhost:1455/auth/callback?code=old&state=x',
    });
    expect(wrong.error).toMatchObject({ code: -32006, data: { code: 'state_mismatch' } });
    expect(wrong.error?.message).toMatch(/earlier sign-in/);

    service.failNext.set(
      'auth.logout',
      new KeybridgeError('network', `Could not reach OpenAI with Bearer ${SECRET_ACCESS_TOKEN}`, {
        retryable: true,
      }),
    );
    const failed = await c.call('auth.logout');
    expect(failed.error).toMatchObject({
      code: -32005,
      data: { code: 'network', retryable: true, reloginRequired: false },
    });
    expect(failed.error?.message).not.toContain(SECRET_ACCESS_TOKEN);

    service.failNext.set('status.get', new Error('boom'));
    expect((await c.call('status.get')).error?.code).toBe(-32603);
    c.ws.close();
  });

  it('sends nothing beyond the contract: extra fields (a token) are dropped', async () => {
    const c = await signedInClient();
    const leaky = { ...statuses.signedIn(), accessToken: SECRET_ACCESS_TOKEN };
    service.setStatus(leaky);
    await c.next((m) => m.method === 'status.changed');
    await c.call('status.get');
    expect(JSON.stringify(c.messages)).not.toContain(SECRET_ACCESS_TOKEN);
    c.ws.close();
  });

  it('answers malformed input with an error and stays up', async () => {
    const c = await signedInClient();
    c.ws.send('{not json');
    expect(await c.next((m) => (m.error as { code?: number } | undefined)?.code === -32700)).toMatchObject({
      id: null,
    });
    c.ws.send(JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'status.get' }]));
    expect(await c.next((m) => (m.error as { code?: number } | undefined)?.code === -32600)).toBeTruthy();
    c.ws.send(Buffer.from('binary'), { binary: true });
    expect((await c.call('status.get')).result).toMatchObject({ state: 'signedOut' });
    c.ws.close();
  });

  it('refuses a message over 64 KiB by closing that connection', async () => {
    const c = await signedInClient();
    const closed = new Promise<number>((r) => c.ws.on('close', (code) => r(code)));
    c.ws.send(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'auth.openUrl', params: { url: 'x'.repeat(70_000) } }),
    );
    expect(await closed).toBe(1009);
    expect(service.calls).toEqual([]);
  });
});

describe('lifecycle', () => {
  it('close() disconnects clients and stops listening to the service', async () => {
    const c = await openWs(ui.port, { token: tokenOf(ui.url) });
    expect(service.listenerCount()).toBe(1);
    const closed = new Promise<number>((r) => c.ws.on('close', (code) => r(code)));
    await ui.close();
    expect(await closed).toBe(1001);
    expect(service.listenerCount()).toBe(0);
    await expect(httpGet(ui.port, '/')).rejects.toThrow();
  });

  it('says which port is busy when --port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    await expect(startWebUi({ service, staticDir, port })).rejects.toMatchObject({
      code: 'port_in_use',
      message: expect.stringContaining(`Port ${port}`),
    });
    blocker.close();
  });

  it('serves on the asked port through startUi', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    await new Promise((r) => blocker.close(r));
    const other = await startUi({ host: { service }, port, log: () => {}, staticDir });
    expect(other.port).toBe(port);
    expect(other.url.startsWith(`http://127.0.0.1:${port}/#token=`)).toBe(true);
    await other.close();
  });
});
