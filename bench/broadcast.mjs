/**
 * "Told at once" (docs/design.md "Quality bars"): how long 200 subscribed tools wait to hear of a token the
 * host refreshed on its own, and of a sign-out. The host signs in at a server issuing 4-second tokens, so it
 * refreshes every few seconds; each tool is a raw NDJSON connection that records when each
 * `credentials.changed` line arrives. The target is a median under 100 ms; the test of the same behaviour
 * (test/integration/broadcast.test.ts) keeps only generous upper bounds, since a shared CI machine is no
 * place to time it.
 */
import net from 'node:net';
import { percentile, startSignedInHost, support } from './lib.mjs';

const line = (id, method, params) => JSON.stringify({ jsonrpc: '2.0', id, method, params }) + '\n';

function subscribedTool(path, name, heard) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('connect', () =>
      socket.write(
        line(1, 'hello', { protocol: 1, client: { name } }) +
          line(2, 'credentials.get') +
          line(3, 'subscribe', { topics: ['credentials'] }),
      ),
    );
    socket.on('data', (chunk) => {
      const at = performance.now();
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n')) {
        const msg = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (msg.id === 3) resolve(socket);
        if (msg.method === 'credentials.changed') heard.push({ at, reason: msg.params?.reason });
      }
    });
  });
}

async function until(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const ms = (n) => `${Math.round(n * 10) / 10} ms`;

export async function benchBroadcast({ tools = 200, refreshes = 5 } = {}) {
  const { connectBroker } = await support();
  const host = await startSignedInHost({ ttlSeconds: 4 });
  const { oidc } = host;
  try {
    const heard = Array.from({ length: tools }, () => []);
    const sockets = [];
    // Opened 50 at a time: more connects at once than the listen backlog holds are refused, not queued.
    for (let i = 0; i < tools; i += 50) {
      const batch = Array.from({ length: Math.min(50, tools - i) }, (_, k) =>
        subscribedTool(host.socket, `tool-${i + k}`, heard[i + k]),
      );
      sockets.push(...(await Promise.all(batch)));
    }

    const refresh = [];
    const start = oidc.stats.refreshGrants;
    for (let r = 1; r <= refreshes; r++) {
      await until(`refresh ${r}`, () => (oidc.stats.refreshGrants >= start + r ? true : undefined), 30_000);
      const grantAt = oidc.stats.lastRefreshGrantAt;
      const told = await until(
        `every tool told of refresh ${r}`,
        () => {
          const t = heard.map((h) => h.find((x) => x.reason === 'refreshed' && x.at >= grantAt));
          return t.every(Boolean) ? t : undefined;
        },
        30_000,
      );
      refresh.push(...told.map((x) => x.at - grantAt));
    }

    const admin = await connectBroker(host.socket, { name: 'bench-admin' });
    const signOutAt = performance.now();
    await admin.call('auth.logout');
    const told = await until(
      'every tool told of the sign-out',
      () => {
        const t = heard.map((h) => h.find((x) => x.reason === 'signedOut'));
        return t.every(Boolean) ? t : undefined;
      },
      30_000,
    );
    const signOut = told.map((x) => x.at - signOutAt);
    admin.close();
    for (const s of sockets) s.destroy();

    const row = (figure, xs) => {
      const p50 = percentile(xs, 50);
      return {
        figure,
        measured: `p50 ${ms(p50)}, p95 ${ms(percentile(xs, 95))}, max ${ms(Math.max(...xs))}`,
        baseline: '—',
        goal: 'p50 < 100 ms',
        pass: p50 < 100,
      };
    };
    return [
      row(`refresh → ${tools} subscribed tools told (${refreshes} refreshes)`, refresh),
      row(`sign-out → ${tools} subscribed tools told`, signOut),
    ];
  } finally {
    await host.stop();
  }
}
