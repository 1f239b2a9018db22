/**
 * Broker `credentials.get` latency (p50/p99) and throughput at 1, 64 and 256 clients, each client with one
 * request in flight (closed loop, like `wrk -c N`), against the real host; the baseline is a bare Unix-socket
 * server in its own process that answers each line with a line as long as the broker's answer, driven by the
 * same client code in the same run (docs/design.md "Quality bars": p99 under 2 ms with 64 concurrent
 * clients).
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { closedLoop } from './broker-load.mjs';
import { ROOT, median, percentile } from './lib.mjs';

const HELLO =
  JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'hello',
    params: { protocol: 1, client: { name: 'bench' } },
  }) + '\n';
const CREDENTIALS = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'credentials.get' }) + '\n';

const ROUNDS = 4;

export async function benchBroker({ socket, dir, durationMs, clientCounts = [1, 64, 256] }) {
  // The baseline answers with lines as long as the broker's answer, so both move the same bytes.
  const answerBytes = await brokerAnswerBytes(socket);
  const echoPath = join(dir, 'echo.sock');
  const echo = spawn(
    process.execPath,
    [join(ROOT, 'bench', 'echo-server.mjs'), echoPath, String(answerBytes)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise((resolve) => echo.stdout.once('data', resolve));
  const rows = [];
  try {
    for (const clients of clientCounts) {
      // Rounds of bare server then broker (alternating which goes first), so drift hits both; each figure is
      // the median over the rounds, so one noisy stretch of a shared machine does not decide it.
      const bare = [];
      const broker = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const runBare = () =>
          closedLoop({ path: echoPath, clients, request: CREDENTIALS, durationMs: durationMs / ROUNDS });
        const runIt = () => runBroker(socket, clients, durationMs / ROUNDS);
        if (round % 2 === 0) {
          bare.push(summary(await runBare()));
          broker.push(summary(await runIt()));
        } else {
          broker.push(summary(await runIt()));
          bare.push(summary(await runBare()));
        }
      }
      if (broker.some((r) => r.failures > 0)) throw new Error('credentials.get failed');
      const e = medians(bare);
      const b = medians(broker);
      const p = (r, q) => r[`p${q}`];
      const ms = (x) => (x < 0.1 ? x.toFixed(3) : x.toFixed(2));
      rows.push({
        figure: `broker \`credentials.get\` p50 / p99, ${clients} client${clients === 1 ? '' : 's'}`,
        measured: `${ms(p(b, 50))} / ${ms(p(b, 99))} ms`,
        baseline: `bare server ${ms(p(e, 50))} / ${ms(p(e, 99))} ms`,
        ratio: p(b, 99) / p(e, 99),
        goal: clients === 64 ? 'p99 < 2 ms' : '—',
        pass: clients === 64 ? p(b, 99) < 2 : undefined,
      });
      rows.push({
        figure: `broker throughput, ${clients} client${clients === 1 ? '' : 's'}`,
        measured: `${Math.round(b.throughput).toLocaleString('en-US')} req/s`,
        baseline: `bare server ${Math.round(e.throughput).toLocaleString('en-US')} lines/s`,
        ratio: b.throughput / e.throughput,
        goal: '—',
      });
    }
  } finally {
    echo.kill('SIGTERM');
  }
  return rows;
}

/** The size in bytes (newline included) of the broker's answer to `credentials.get`. */
function brokerAnswerBytes(path) {
  return new Promise((resolve, reject) => {
    const s = net.connect(path);
    let buf = Buffer.alloc(0);
    s.on('error', reject);
    s.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      const lines = buf.toString('utf8').split('\n');
      if (lines.length < 3) return;
      s.destroy();
      if (!lines[1].includes('"accessToken"')) reject(new Error(`credentials.get failed: ${lines[1]}`));
      else resolve(Buffer.byteLength(lines[1]) + 1);
    });
    s.write(HELLO + CREDENTIALS);
  });
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

function summary(r) {
  return {
    p50: percentile(r.latencies, 50),
    p99: percentile(r.latencies, 99),
    throughput: r.throughput,
    failures: r.failures ?? 0,
  };
}

function medians(rounds) {
  const of = (k) => median(rounds.map((r) => r[k]));
  return { p50: of('p50'), p99: of('p99'), throughput: of('throughput') };
}
