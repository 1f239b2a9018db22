/**
 * The spine end to end, as a user runs it: `keybridge serve`, `keybridge login --no-browser`, a real
 * sign-in in Chromium at a real oidc-provider, then status, token, refresh, sign-out and restarts.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createFileKeyCipher } from '../../core/vault/file-key-cipher';
import { Vault } from '../../core/vault/vault';
import { activeSession } from '../../core/vault/contents';
import { completeSignIn, launchBrowser } from '../support/browser';
import {
  cli,
  makeHostEnv,
  removeHome,
  runCli,
  startHost,
  type HostEnv,
  type RunningHost,
} from '../support/host';
import { startOidcServer, type OidcServer } from '../support/oidc-server';

let oidc: OidcServer;
let shortOidc: OidcServer;
let browser: Browser;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  [oidc, shortOidc, browser] = await Promise.all([
    startOidcServer({ accounts: { 'ada@example.com': { plan: 'plus', accountId: 'acc-ada' } } }),
    startOidcServer({ accessTokenTtlSeconds: 8 }),
    launchBrowser(),
  ]);
});

afterAll(async () => {
  await browser?.close();
  await oidc?.close();
  await shortOidc?.close();
});

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

async function host(server: OidcServer = oidc, extra: Record<string, string> = {}) {
  const h = await makeHostEnv(server.issuer, server.clientId, extra);
  const running = await startHost(h);
  cleanups.push(() => removeHome(h));
  cleanups.push(() => running.stop());
  return { h, running };
}

/** `keybridge login --no-browser`, then the user signs in in the browser. */
async function signIn(h: HostEnv, login = 'ada@example.com', opts: { deny?: boolean } = {}) {
  const run = runCli(h, ['login', '--no-browser']);
  const url = await run.waitForStdout(/^https?:\/\//);
  const page = await completeSignIn(browser, url, { login, deny: opts.deny });
  const result = await run.done;
  return { url, page, result };
}

async function readVault(h: HostEnv) {
  return activeSession(await new Vault({ dir: h.home, cipher: await createFileKeyCipher(h.home) }).load());
}

async function statusJson(h: HostEnv) {
  const r = await cli(h, 'status', '--json');
  return {
    code: r.code,
    status: JSON.parse(r.stdout) as {
      state: string;
      account?: Record<string, unknown>;
      lastError: { code: string; message: string };
    },
    stderr: r.stderr,
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function tokenGrant(server: OidcServer, refreshToken: string) {
  const meta = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json();
  const res = await fetch(meta.token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: server.clientId,
    }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('sign-in through serve + login --no-browser', () => {
  it('signs in, shows the account and plan, hands out a token, and leaks no token anywhere', async () => {
    const { h, running } = await host();
    const before = await cli(h, 'status');
    expect(before.code).toBe(4);

    const { result, page } = await signIn(h);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/Signed in as ada@example\.com/);
    expect(page.text).toMatch(/signed in/i);
    expect(page.text).toMatch(/close this tab/i);

    const { code, status } = await statusJson(h);
    expect(code).toBe(0);
    expect(status).toMatchObject({
      state: 'signedIn',
      account: { email: 'ada@example.com', planType: 'plus', accountId: 'acc-ada' },
    });

    const token = await cli(h, 'token');
    expect(token.code).toBe(0);
    const accessToken = token.stdout.trim();
    expect(accessToken.split('.')).toHaveLength(3);
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString());
    expect(claims['https://api.openai.com/auth'].chatgpt_plan_type).toBe('plus');

    const json = JSON.parse((await cli(h, 'token', '--json')).stdout);
    expect(json).toMatchObject({ accessToken, tokenType: 'Bearer', accountId: 'acc-ada', planType: 'plus' });

    // No token in the host's output, its log, or any file of the data folder but the encrypted vault.
    const stored = await readVault(h);
    const secrets = [stored!.accessToken, stored!.refreshToken, stored!.idToken!].filter(Boolean);
    const haystacks = [running.output(), result.stdout, result.stderr, JSON.stringify(status)];
    for (const f of await filesUnder(h.home)) {
      if (!f.endsWith('vault.bin') && !f.endsWith('.sock')) haystacks.push(await readFile(f, 'utf8'));
    }
    for (const s of secrets) for (const hay of haystacks) expect(hay.includes(s)).toBe(false);
  });

  it('keeps the session across a restart of serve', async () => {
    const h = await makeHostEnv(oidc.issuer, oidc.clientId);
    cleanups.push(() => removeHome(h));
    let running: RunningHost = await startHost(h);
    await signIn(h);
    await running.stop();
    running = await startHost(h);
    cleanups.push(() => running.stop());
    const { status } = await statusJson(h);
    expect(status).toMatchObject({ state: 'signedIn', account: { email: 'ada@example.com' } });
    expect((await cli(h, 'token')).code).toBe(0);
  });

  it('tells the user when they declined at the consent page', async () => {
    const { h } = await host();
    const { result } = await signIn(h, 'ada@example.com', { deny: true });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/declined|denied/i);
    expect((await statusJson(h)).status.lastError.code).toBe('access_denied');
  });

  it('names the busy loopback port and says who may hold it', async () => {
    const { h } = await host();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(Number(h.env.KEYBRIDGE_LOOPBACK_PORT), '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => blocker.close(r)));
    const r = await cli(h, 'login', '--no-browser');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(h.env.KEYBRIDGE_LOOPBACK_PORT!);
    expect(r.stderr).toMatch(/Codex/);
  });

  it('refuses a redirect with the wrong state and one that is replayed, keeping the real sign-in', async () => {
    const { h } = await host();
    const run = runCli(h, ['login', '--no-browser']);
    const url = new URL(await run.waitForStdout(/^https?:\/\//));
    const redirect = url.searchParams.get('redirect_uri')!;
    const forged = await cli(h, 'open-url', `${redirect}?code=forged&state=not-the-state`);
    expect(forged.code).toBe(1);
    expect(forged.stderr).toMatch(/state/i);
    const page = await completeSignIn(browser, url.toString(), { login: 'ada@example.com' });
    expect((await run.done).code).toBe(0);
    const replay = await cli(h, 'open-url', page.finalUrl);
    expect(replay.code).toBe(1);
    expect(replay.stderr).toMatch(/already|no sign-in|used/i);
    expect((await statusJson(h)).status.state).toBe('signedIn');
  });
});

describe('refresh', () => {
  it('refreshes ahead of expiry without being asked', async () => {
    const { h } = await host(shortOidc);
    await signIn(h, 'bob@example.com');
    const first = (await cli(h, 'token', '--min-ttl', '0')).stdout.trim();
    const grantsBefore = shortOidc.stats.refreshGrants;
    // An 8 s token is refreshed 2 s before expiry (a quarter of its life): wait for the host to do it.
    const second = await until('a background refresh', async () => {
      const t = (await cli(h, 'token', '--min-ttl', '0')).stdout.trim();
      return t !== first ? t : undefined;
    });
    expect(second).not.toBe(first);
    expect(shortOidc.stats.refreshGrants).toBeGreaterThan(grantsBefore);
    expect((await statusJson(h)).status.state).toBe('signedIn');
  });

  it('runs exactly one refresh for 200 concurrent credentials.get at expiry', async () => {
    const { h } = await host();
    await signIn(h);
    // 200 tools, each on its own connection and past hello, all ask at the same moment for more lifetime
    // than the current token has. (A request sent after the refresh landed would rightly refresh again:
    // no token lives 86,400 s. "Concurrent" means in flight together.)
    const tools = await Promise.all(Array.from({ length: 200 }, () => helloedConnection(h.socket)));
    const before = oidc.stats.refreshGrants;
    const answers = await Promise.all(tools.map((t) => t.call('credentials.get', { minTtlSeconds: 86_400 })));
    tools.forEach((t) => t.close());
    expect(oidc.stats.refreshGrants - before).toBe(1);
    expect(answers.every((a) => a.result !== undefined)).toBe(true);
    const tokens = new Set(answers.map((a) => (a.result as { accessToken: string }).accessToken));
    expect(tokens.size).toBe(1);
  });

  it('ends in expired with a message, once, when the refresh token was used by someone else', async () => {
    const { h, running } = await host();
    await signIn(h);
    const stolen = (await readVault(h))!.refreshToken;
    // Another tool redeems the same single-use refresh token: the host's copy is now spent.
    expect((await tokenGrant(oidc, stolen)).status).toBe(200);
    const r = await cli(h, 'token', '--min-ttl', '86400');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/sign in again/i);
    const { code, status } = await statusJson(h);
    expect(code).toBe(4);
    expect(status.state).toBe('expired');
    expect(status.lastError.message).toMatch(/sign in again/i);
    const grants = oidc.stats.refreshGrants;
    await cli(h, 'token', '--min-ttl', '86400');
    expect(oidc.stats.refreshGrants).toBe(grants); // no retry loop
    expect(running.output()).not.toContain(stolen);
  });
});

describe('sign-out', () => {
  it('revokes the refresh token at the server and wipes the vault', async () => {
    const { h } = await host();
    await signIn(h);
    const rt = (await readVault(h))!.refreshToken;
    const revocations = oidc.stats.revocations;
    const out = await cli(h, 'logout');
    expect(out.code).toBe(0);
    expect(oidc.stats.revocations).toBeGreaterThan(revocations);
    expect((await tokenGrant(oidc, rt)).status).toBe(400);
    expect(await readVault(h)).toBeNull();
    expect((await cli(h, 'status')).code).toBe(4);
    expect((await cli(h, 'token')).code).toBe(4);
  });
});

describe('robustness', () => {
  it('reports a corrupt vault, moves it aside and lets the user sign in again', async () => {
    const h = await makeHostEnv(oidc.issuer, oidc.clientId);
    cleanups.push(() => removeHome(h));
    let running = await startHost(h);
    await signIn(h);
    await running.stop();
    await writeFile(join(h.home, 'vault.bin'), 'this is not a vault');
    running = await startHost(h);
    cleanups.push(() => running.stop());
    const { code, status } = await statusJson(h);
    expect(code).toBe(1); // README "CLI": 1 = error (the vault could not be read)
    expect(status.state).toBe('error');
    expect(status.lastError.code).toBe('vault_unreadable');
    const aside = (await readdir(h.home)).filter((f) => f.startsWith('vault.broken-'));
    expect(aside).toHaveLength(1);
    expect(await readFile(join(h.home, aside[0]!), 'utf8')).toBe('this is not a vault');
    expect((await signIn(h)).result.code).toBe(0);
  });

  it('answers malformed broker input with errors and keeps serving', async () => {
    const { h } = await host();
    const replies = await rawExchange(h.socket, [
      'this is not json',
      '{"jsonrpc":"2.0","id":1,"method":"status.get"}',
      '{"jsonrpc":"2.0","id":2,"method":"hello","params":{"protocol":1,"client":{"name":"fuzz"}}}',
      '{"jsonrpc":"2.0","id":3,"method":"nope"}',
      '{"jsonrpc":"2.0","id":4,"method":"credentials.get","params":{"minTtlSeconds":"soon"}}',
      `{"jsonrpc":"2.0","id":5,"method":"status.get","pad":"${'x'.repeat(70_000)}"}`,
      '[1,2,3]',
      '{"jsonrpc":"2.0","id":6,"method":"status.get"}',
    ]);
    const byId = new Map(replies.map((r) => [r.id, r]));
    expect(replies.some((r) => r.error?.code === -32700)).toBe(true);
    expect(byId.get(1)?.error?.code).toBe(-32002);
    expect(byId.get(2)?.result).toMatchObject({ protocol: 1 });
    expect(byId.get(3)?.error?.code).toBe(-32601);
    expect(byId.get(4)?.error?.code).toBe(-32602);
    expect(replies.some((r) => r.error?.code === -32600 && /64 KiB|line/i.test(r.error.message))).toBe(true);
    expect(byId.get(6)?.result).toMatchObject({ state: 'signedOut' });
    expect((await cli(h, 'status', '--json')).code).toBe(4);
  });

  it('refuses a second host for the same data folder and names the first', async () => {
    const { h, running } = await host();
    const second = await cli(h, 'serve');
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(String(running.child.pid));
  });
});

interface RpcReply {
  id?: number | string | null;
  result?: unknown;
  error?: { code: number; message: string };
}

async function rawExchange(socket: string, lines: string[], settleMs = 500): Promise<RpcReply[]> {
  return new Promise((res, rej) => {
    const c = connect(socket);
    let buf = '';
    const replies: RpcReply[] = [];
    c.on('data', (d) => {
      buf += d;
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        replies.push(JSON.parse(buf.slice(0, i)));
        buf = buf.slice(i + 1);
      }
    });
    c.on('error', rej);
    c.on('connect', async () => {
      for (const l of lines) {
        c.write(l + '\n');
        await new Promise((r) => setTimeout(r, 30));
      }
      setTimeout(() => {
        c.end();
        res(replies);
      }, settleMs);
    });
  });
}

/** A broker connection that has said hello; `call` sends one request and resolves with its reply. */
async function helloedConnection(socket: string) {
  const c = connect(socket);
  const waiting = new Map<number, (r: RpcReply) => void>();
  let buf = '';
  let nextId = 1;
  c.on('data', (d) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const reply = JSON.parse(buf.slice(0, i)) as RpcReply;
      buf = buf.slice(i + 1);
      waiting.get(reply.id as number)?.(reply);
    }
  });
  const call = (method: string, params: unknown) =>
    new Promise<RpcReply>((res, rej) => {
      const id = nextId++;
      waiting.set(id, res);
      c.once('error', rej);
      c.write(JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n');
    });
  await new Promise<void>((res, rej) => c.once('connect', res).once('error', rej));
  await call('hello', { protocol: 1, client: { name: 'test' } });
  return { call, close: () => c.end() };
}
