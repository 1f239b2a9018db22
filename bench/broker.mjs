/**
 * Broker `credentials.get` latency (p50/p99) and throughput at 1, 64 and 256 clients, each client with one
 * request in flight (closed loop), against the real host; the baseline is a bare Unix-socket line echo
 * server in its own process, driven by the same client code in the same run (PRODUCT.md §7: p99 under 2 ms
 * with 64 concurrent clients).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { closedLoop } from './broker-load.mjs';
import { ROOT, percentile } from './lib.mjs';

const HELLO =
  JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'hello',
    params: { protocol: 1, client: { name: 'bench' } },
  }) + '\n';
const CREDENTIALS = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'credentials.get' }) + '\n';

export async function benchBroker({ socket, dir, durationMs, clientCounts = [1, 64, 256] }) {
  const echoPath = join(dir, 'echo.sock');
  const echo = spawn(process.execPath, [join(ROOT, 'bench', 'echo-server.mjs'), echoPath], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve) => echo.stdout.once('data', resolve));
  const rows = [];
  try {
    for (const clients of clientCounts) {
      // Interleave: echo, broker, echo, broker (half the duration each), so drift hits both.
      const e1 = await closedLoop({
        path: echoPath,
        clients,
        request: CREDENTIALS,
        durationMs: durationMs / 2,
      });
      const b1 = await runBroker(socket, clients, durationMs / 2);
      const e2 = await closedLoop({
        path: echoPath,
        clients,
        request: CREDENTIALS,
        durationMs: durationMs / 2,
      });
      const b2 = await runBroker(socket, clients, durationMs / 2);
      const e = merge(e1, e2);
      const b = merge(b1, b2);
      if (b.failures > 0) throw new Error(`credentials.get failed on ${b.failures} connections`);
      const p = (r, q) => percentile(r.latencies, q);
      const ms = (x) => (x < 0.1 ? x.toFixed(3) : x.toFixed(2));
      rows.push({
        figure: `broker \`credentials.get\` p50 / p99, ${clients} client${clients === 1 ? '' : 's'}`,
        measured: `${ms(p(b, 50))} / ${ms(p(b, 99))} ms`,
        baseline: `echo ${ms(p(e, 50))} / ${ms(p(e, 99))} ms`,
        ratio: p(b, 99) / p(e, 99),
        goal: clients === 64 ? 'p99 < 2 ms' : '—',
        pass: clients === 64 ? p(b, 99) < 2 : undefined,
      });
      rows.push({
        figure: `broker throughput, ${clients} client${clients === 1 ? '' : 's'}`,
        measured: `${Math.round(b.throughput).toLocaleString('en-US')} req/s`,
        baseline: `echo ${Math.round(e.throughput).toLocaleString('en-US')} lines/s`,
        ratio: b.throughput / e.throughput,
        goal: '—',
      });
    }
  } finally {
    echo.kill('SIGTERM');
  }
  return rows;
}

function runBroker(socket, clients, durationMs) {
  return closedLoop({
    path: socket,
    clients,
    greeting: HELLO,
    request: CREDENTIALS,
    durationMs,
    check: (line) => line.includes('"accessToken"'),
  });
}

function merge(a, b) {
  return {
    latencies: a.latencies.concat(b.latencies),
    throughput: (a.throughput + b.throughput) / 2,
    failures: (a.failures ?? 0) + (b.failures ?? 0),
  };
}
