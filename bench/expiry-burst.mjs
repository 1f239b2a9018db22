/**
 * 1,000 concurrent `credentials.get` at token expiry → how many refresh grants reach the authorization server
 * (docs/design.md "Quality bars": exactly one). The host is signed in at a server issuing 65-second tokens;
 * once the token is inside the default 60-second minimum TTL every one of these requests needs a fresh token,
 * and the session's single flight must turn them into one refresh.
 */
import net from 'node:net';
import { sleep, support } from './lib.mjs';

const HELLO =
  JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'hello',
    params: { protocol: 1, client: { name: 'burst' } },
  }) + '\n';
const CREDENTIALS = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'credentials.get' }) + '\n';

/** `host` signed in at `oidc` with 65-second tokens. */
export async function benchExpiryBurst({ host, oidc, requests = 1000 }) {
  const { connectBroker } = await support();
  const client = await connectBroker(host.socket, { name: 'bench' });
  // Wait until the token is inside the 60 s window (with a margin), but before the host's own timer (at
  // about 3/4 of the lifetime) would refresh it.
  for (;;) {
    const status = await client.call('status.get');
    const left = Date.parse(status.expiresAt) - Date.now();
    if (left < 58_000) break;
    await sleep(Math.min(1000, left - 57_500));
  }
  client.close();

  // Every connection is open and greeted before the first request goes out. Opened 100 at a time: more
  // connects at once than the listen backlog holds are refused (EAGAIN on a Unix socket), not queued.
  const sockets = [];
  while (sockets.length < requests) {
    const batch = Math.min(100, requests - sockets.length);
    sockets.push(...(await Promise.all(Array.from({ length: batch }, () => greeted(host.socket)))));
  }
  const before = oidc.stats.refreshGrants;
  const started = process.hrtime.bigint();
  const answers = await Promise.all(
    sockets.map(
      ({ socket, lines }) =>
        new Promise((resolve, reject) => {
          lines.next = (line) => resolve(JSON.parse(line));
          socket.once('error', reject);
          socket.write(CREDENTIALS);
        }),
    ),
  );
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  for (const { socket } of sockets) socket.destroy();
  const refreshes = oidc.stats.refreshGrants - before;
  const tokens = new Set(answers.map((a) => a.result?.accessToken));
  const failed = answers.filter((a) => !a.result).length;
  return [
    {
      figure: `${requests.toLocaleString('en-US')} concurrent \`credentials.get\` at expiry → refresh grants`,
      measured: `${refreshes} (${failed} failed, ${tokens.size} distinct token${tokens.size === 1 ? '' : 's'}, ${Math.round(elapsedMs)} ms)`,
      baseline: '—',
      goal: '1',
      pass: refreshes === 1 && failed === 0 && tokens.size === 1,
    },
  ];
}

function greeted(path) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    const lines = { next: undefined };
    let buf = '';
    let greetedYet = false;
    socket.setEncoding('utf8');
    socket.on('error', reject);
    socket.on('connect', () => socket.write(HELLO));
    socket.on('data', (chunk) => {
      buf += chunk;
      let nl;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!greetedYet) {
          greetedYet = true;
          resolve({ socket, lines });
        } else lines.next?.(line);
      }
    });
  });
}
