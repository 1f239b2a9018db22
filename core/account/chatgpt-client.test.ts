/**
 * The client's HTTP edges against a real loopback server that answers whatever the test scripts: what it
 * sends, and how each kind of bad answer becomes a plain KeybridgeError. (The happy path and the token
 * checks run against the ChatGPT stand-in in account-service.test.ts.)
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Credentials } from '../api/contract';
import { createChatgptClient, type TokenSource } from './chatgpt-client';
import { rejection } from '../../test/support/auth-fixtures';

const TOKEN_1 = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJvbmUifQ.c2lnbmF0dXJlLW9uZQ';
const TOKEN_2 = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0d28ifQ.c2lnbmF0dXJlLXR3bw';

let server: Server;
let base: string;
let handler: (req: IncomingMessage, res: ServerResponse) => void = (_q, r) => r.end();
const seen: Array<{ url: string; headers: IncomingMessage['headers'] }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url ?? '', headers: req.headers });
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/backend-api`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

/** A session stand-in: token 1 until refreshed, then token 2; counts refreshes. */
function tokens() {
  let current = TOKEN_1;
  const t = {
    refreshes: 0,
    async credentials(): Promise<Credentials> {
      return {
        accessToken: current,
        tokenType: 'Bearer',
        expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
        accountId: 'acc-1',
        planType: 'plus',
      };
    },
    async refresh() {
      t.refreshes += 1;
      current = TOKEN_2;
    },
  };
  return t satisfies TokenSource;
}

function client(t: TokenSource, logs: string[] = [], timeoutMs = 2000) {
  return createChatgptClient({
    baseUrl: `${base}/`,
    tokens: t,
    clientVersion: '1.2.3',
    timeoutMs,
    log: (l) => logs.push(l),
  });
}

describe('createChatgptClient', () => {
  it('sends the bearer token, the account header, client_version and If-None-Match', async () => {
    handler = (_req, res) => res.writeHead(200, { etag: '"v2"' }).end(JSON.stringify({ models: [] }));
    seen.length = 0;
    const answer = await client(tokens()).models('"v1"');
    expect(answer).toEqual({ kind: 'list', models: [], etag: '"v2"' });
    expect(seen[0]!.url).toBe('/backend-api/codex/models?client_version=1.2.3');
    expect(seen[0]!.headers).toMatchObject({
      authorization: `Bearer ${TOKEN_1}`,
      'chatgpt-account-id': 'acc-1',
      'if-none-match': '"v1"',
      accept: 'application/json',
    });
  });

  it('a second 401 after one refresh is the answer: no loop, and no token in the log', async () => {
    handler = (_req, res) =>
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"detail":"no"}');
    seen.length = 0;
    const t = tokens();
    const logs: string[] = [];
    const e = await rejection(client(t, logs).usage());
    expect(e.code).toBe('chatgpt_denied');
    expect(t.refreshes).toBe(1);
    expect(seen.map((s) => s.headers.authorization)).toEqual([`Bearer ${TOKEN_1}`, `Bearer ${TOKEN_2}`]);
    expect(logs.join('\n')).toMatch(/401/);
    expect(logs.join('\n')).not.toMatch(/eyJ/);
    expect(e.message).not.toMatch(/eyJ/);
  });

  it('turns a body that is not JSON, or not a model list, into chatgpt_error', async () => {
    handler = (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    expect((await rejection(client(tokens()).models())).message).toMatch(/not JSON/);
    handler = (_req, res) => res.writeHead(200).end('{"data":[]}');
    const e = await rejection(client(tokens()).models());
    expect(e.code).toBe('chatgpt_error');
    expect(e.message).toMatch(/no "models" list/);
  });

  it('passes on the server’s own explanation and its Retry-After', async () => {
    handler = (_req, res) =>
      res
        .writeHead(429, { 'retry-after': '30', 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { message: `Slow down (token ${TOKEN_1})` } }));
    const e = await rejection(client(tokens()).usage());
    expect(e).toMatchObject({ code: 'chatgpt_error', retryable: true, retryAfterMs: 30_000 });
    expect(e.message).toMatch(/HTTP 429\. Slow down/);
    expect(e.message).not.toContain(TOKEN_1);
  });

  it('gives up on a server that never answers, within its timeout', async () => {
    handler = () => {}; // never answers
    const started = Date.now();
    const e = await rejection(client(tokens(), [], 300).models());
    expect(e).toMatchObject({ code: 'chatgpt_unreachable', retryable: true });
    expect(e.message).toMatch(/no answer within/);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('says so when nothing listens at all', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const dead = createChatgptClient({
      baseUrl: `http://127.0.0.1:${port}`,
      tokens: tokens(),
      clientVersion: '1',
    });
    const e = await rejection(dead.models());
    expect(e.code).toBe('chatgpt_unreachable');
    expect(e.message).toMatch(/ECONNREFUSED/);
  });
});
