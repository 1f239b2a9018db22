/**
 * Issue #5's "told at once": 200 tools subscribed to a real `keybridge serve` (real sockets, the
 * `keybridge/client` module, a real oidc-provider issuing 4-second tokens) go through the host's own
 * scheduled refreshes and a sign-out. Every tool hears every change, the token only when it is allowed,
 * none gets a token after the sign-out, and the delay from the event to the tool is measured and printed.
 */
import net from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectBroker } from '../../core/broker/client';
import {
  connect,
  tokenSha256,
  type CredentialsChange,
  type KeybridgeClient,
  type KeybridgeEvent,
} from '../../client/index';
import { startOidcServer, type OidcServer } from '../support/oidc-server';
import { signIn, startSignedInHost, until, type SignedInHost } from '../support/signed-in-host';

const TOOLS = 200;
const REFRESHES = 3;

let oidc: OidcServer;
let host: SignedInHost;

beforeAll(async () => {
  oidc = await startOidcServer({ accessTokenTtlSeconds: 4 });
  host = await startSignedInHost(oidc);
});

afterAll(async () => {
  await host?.dispose();
  await oidc?.close();
});

interface Seen {
  at: number;
  change: CredentialsChange;
}

function stats(ms: number[]): { p50: number; p95: number; max: number } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50: round(at(0.5)), p95: round(at(0.95)), max: round(s[s.length - 1]!) };
}
const round = (n: number) => Math.round(n * 10) / 10;

/**
 * A raw NDJSON connection that records every line in wire order, so "no token after the sign-out" is
 * checked on what the host actually sent, not on when promises happened to run.
 */
async function rawTool(path: string, name: string) {
  const socket = net.connect(path);
  await new Promise<void>((res, rej) => socket.once('connect', res).once('error', rej));
  const lines: Array<{
    at: number;
    msg: {
      id?: number;
      method?: string;
      params?: Record<string, unknown>;
      result?: Record<string, unknown>;
      error?: { code: number };
    };
  }> = [];
  let buf = '';
  socket.setEncoding('utf8');
  socket.on('data', (d: string) => {
    buf += d;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
      lines.push({ at: performance.now(), msg: JSON.parse(buf.slice(0, nl)) });
      buf = buf.slice(nl + 1);
    }
  });
  let id = 0;
  const send = (method: string, params?: unknown) => {
    socket.write(JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }) + '\n');
    return id;
  };
  send('hello', { protocol: 1, client: { name } });
  send('credentials.get');
  send('subscribe', { topics: ['credentials', 'status'] });
  await until(`${name} subscribed`, () => (lines.some((l) => l.msg.id === 3) ? true : undefined));
  return { socket, lines, send };
}

it(`${TOOLS} subscribed tools hear ${REFRESHES} refreshes and a sign-out at once; none gets a token after it`, async () => {
  const socket = host.h.socket;
  const clients: KeybridgeClient[] = [];
  const seen: Seen[][] = [];
  try {
    // Connect, get a first token (the headless policy allows and records each tool), subscribe.
    await Promise.all(
      Array.from({ length: TOOLS }, async (_, i) => {
        const kb = await connect({ name: `tool-${i}`, socketPath: socket });
        clients[i] = kb;
        seen[i] = [];
        const first = await kb.getCredentials({ minTtlSeconds: 0 });
        expect(first.accessToken.split('.')).toHaveLength(3);
        await kb.subscribe(['credentials', 'status'], (e: KeybridgeEvent) => {
          if (e.type === 'credentials') seen[i]!.push({ at: performance.now(), change: e.change });
        });
      }),
    );
    // A few raw connections keep asking for tokens through the sign-out.
    const hammers = await Promise.all(Array.from({ length: 10 }, (_, i) => rawTool(socket, `hammer-${i}`)));

    // The host refreshes on its own (4-second tokens): every tool hears each new token.
    const refreshLatency: number[] = [];
    const startGrants = oidc.stats.refreshGrants;
    for (let r = 1; r <= REFRESHES; r++) {
      await until(
        `refresh ${r}`,
        () => (oidc.stats.refreshGrants >= startGrants + r ? true : undefined),
        30_000,
      );
      const grantAt = oidc.stats.lastRefreshGrantAt;
      const heard = await until(
        `all tools heard refresh ${r}`,
        () => {
          const latest = seen.map((s) => s.filter((x) => x.change.reason === 'refreshed').at(-1));
          return latest.every((x) => x !== undefined && x.at >= grantAt) ? latest : undefined;
        },
        30_000,
      );
      const hashes = new Set(heard.map((x) => x!.change.tokenSha256));
      expect(hashes.size).toBe(1);
      for (const x of heard) {
        // Allowed tools get the token itself, and the hash names it.
        expect(x!.change.access).toBe('allowed');
        expect(tokenSha256(x!.change.accessToken!)).toBe(x!.change.tokenSha256);
        refreshLatency.push(x!.at - grantAt);
      }
      // What the tools were told is what the host hands out now.
      const now = await clients[r]!.getCredentials({ minTtlSeconds: 0 });
      if (oidc.stats.refreshGrants === startGrants + r)
        expect(tokenSha256(now.accessToken)).toBe([...hashes][0]);
    }
    expect(oidc.stats.refreshGrants - startGrants).toBeGreaterThanOrEqual(REFRESHES);

    // Sign-out from one more tool while the hammers ask for tokens: every subscriber hears it at once.
    for (const h of hammers) for (let k = 0; k < 5; k++) h.send('credentials.get', { minTtlSeconds: 0 });
    const admin = await connectBroker(socket, { name: 'admin' });
    const signOutAt = performance.now();
    const logout = admin.call('auth.logout');
    for (const h of hammers) for (let k = 0; k < 5; k++) h.send('credentials.get', { minTtlSeconds: 0 });
    const signedOut = await until(
      'every tool heard the sign-out',
      () => {
        const outs = seen.map((s) => s.find((x) => x.change.reason === 'signedOut'));
        return outs.every((x) => x !== undefined) ? outs : undefined;
      },
      30_000,
    );
    await logout;
    admin.close();
    const signOutLatency = signedOut.map((x) => x!.at - signOutAt);
    for (const x of signedOut) {
      expect(x!.change).toMatchObject({ tokenSha256: null, expiresAt: null });
      expect(x!.change.accessToken).toBeUndefined();
    }
    // Nothing with a token after the sign-out, on any subscription…
    for (const s of seen) {
      const i = s.findIndex((x) => x.change.reason === 'signedOut');
      expect(s.slice(i + 1).filter((x) => x.change.accessToken !== undefined)).toEqual([]);
    }
    // …and no token served after it: every answer the hosts sent after its sign-out notice is -32001.
    for (const h of hammers) h.send('credentials.get');
    await until('hammers answered', () =>
      hammers.every((h) => h.lines.some((l) => l.msg.id === 3 + 11 && l.msg.error)) ? true : undefined,
    );
    for (const h of hammers) {
      const notice = h.lines.findIndex(
        (l) => l.msg.method === 'credentials.changed' && l.msg.params?.reason === 'signedOut',
      );
      expect(notice).toBeGreaterThan(-1);
      const after = h.lines.slice(notice + 1).filter((l) => l.msg.id !== undefined);
      expect(after.length).toBeGreaterThan(0);
      for (const l of after) expect(l.msg.error?.code).toBe(-32001);
      h.socket.destroy();
    }
    const results = await Promise.allSettled(clients.map((kb) => kb.getCredentials()));
    for (const r of results) {
      expect(r.status).toBe('rejected');
      expect((r as PromiseRejectedResult).reason.code).toBe(-32001);
    }

    const refresh = stats(refreshLatency);
    const signOut = stats(signOutLatency);
    console.log(
      `notification latency, ${TOOLS} subscribed tools: ` +
        `refresh (token issued → tool told) p50 ${refresh.p50} ms, p95 ${refresh.p95} ms, max ${refresh.max} ms ` +
        `over ${REFRESHES} refreshes; sign-out (request → tool told) p50 ${signOut.p50} ms, p95 ${signOut.p95} ms, max ${signOut.max} ms`,
    );
    // The speed target (a median under 100 ms) is measured by `npm run bench` (bench/broadcast.mjs); here only a
    // bound no machine that works misses, however slow or loaded: "told at once", not "told eventually".
    expect(refresh.max).toBeLessThan(10_000);
    expect(signOut.max).toBeLessThan(10_000);
  } finally {
    for (const kb of clients) kb?.close();
  }
});

it('a sign-out while a refresh is in flight: requests answered before the notice, refused after it', async () => {
  await signIn(host.h);
  const socket = host.h.socket;
  // Each of these asks for more time than a 4-second token has, so each forces a (single-flight) refresh.
  const tools = await Promise.all(Array.from({ length: 10 }, (_, i) => rawTool(socket, `racer-${i}`)));
  const admin = await connectBroker(socket, { name: 'admin' });
  for (let round = 0; round < 3; round++)
    for (const t of tools) t.send('credentials.get', { minTtlSeconds: 60 });
  const logout = admin.call('auth.logout');
  for (const t of tools) t.send('credentials.get', { minTtlSeconds: 60 });
  await logout;
  admin.close();
  const lastId = 3 + 4;
  await until('every request answered', () =>
    tools.every((t) => t.lines.some((l) => l.msg.id === lastId)) ? true : undefined,
  );
  for (const t of tools) {
    const notice = t.lines.findIndex(
      (l) => l.msg.method === 'credentials.changed' && l.msg.params?.reason === 'signedOut',
    );
    expect(notice).toBeGreaterThan(-1);
    for (const l of t.lines.slice(notice + 1)) {
      if (l.msg.id !== undefined) expect(l.msg.error?.code).toBe(-32001);
      expect(l.msg.params?.accessToken).toBeUndefined();
    }
    t.socket.destroy();
  }
});
