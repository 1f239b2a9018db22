/**
 * Broker `credentials.get` latency (p50/p99) and throughput at 1, 64 and 256 clients, each client with one
 * request in flight (closed loop, like `wrk -c N`), against the real host; the baseline is a bare Unix-socket
 * server in its own process that answers each line with a line as long as the broker's answer, driven by the
 * same client code in the same run. The goal (docs/design.md "Quality bars"), at 64 concurrent clients: p99
 * within 1.5× and throughput at least 0.8× of the bare server; 1 and 256 clients are shown for information.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import { closedLoop } from './broker-load.mjs';
import { ROOT, median, percentile, procSample } from './lib.mjs';

const HELLO =
  JSON.stringify({
    jsonrpc: '2.0',
    id: 0,
    method: 'hello',
    params: { protocol: 1, client: { name: 'bench' } },
  }) + '\n';
const CREDENTIALS = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'credentials.get' }) + '\n';

/** Rounds per client count: an odd number, so the median is one round's ratio. */
const ROUNDS = 5;
/** At this many clients the ratios are held to the goals below; the other counts are for information. */
const GOAL_CLIENTS = 64;
const MAX_P99_RATIO = 1.5;
const MIN_THROUGHPUT_RATIO = 0.8;

/**
 * @param {object} o
 * @param {string} o.socket the host's broker socket
 * @param {number} [o.pid] the host's pid: with it, each client count also reports the CPU time per answer
 *   of the host and of the bare server (the cost itself, which a loaded machine moves less than latency)
 */
export async function benchBroker({ socket, pid, dir, durationMs, clientCounts = [1, 64, 256] }) {
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
      // the median over the rounds, and each ratio the median of the rounds' own ratios (a round's two runs
      // are next to each other in time), so one noisy stretch of a shared machine does not decide it.
      const bare = [];
      const broker = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const cpuOf = (p) => (pid === undefined ? undefined : () => procSample(p).cpuMs);
        const runBare = () =>
          closedLoop({
            path: echoPath,
            clients,
            request: CREDENTIALS,
            durationMs: durationMs / ROUNDS,
            cpuMs: cpuOf(echo.pid),
          });
        const runIt = () => runBroker(socket, clients, durationMs / ROUNDS, cpuOf(pid));
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
      const ratio = (k) => median(broker.map((r, i) => r[k] / bare[i][k]));
      const p99Ratio = ratio('p99');
      const throughputRatio = ratio('throughput');
      const held = clients === GOAL_CLIENTS;
      const ms = (x) => (x < 0.1 ? x.toFixed(3) : x.toFixed(2));
      rows.push({
        figure: `broker \`credentials.get\` p50 / p99, ${clients} client${clients === 1 ? '' : 's'}`,
        measured: `${ms(b.p50)} / ${ms(b.p99)} ms`,
        baseline: `bare server ${ms(e.p50)} / ${ms(e.p99)} ms`,
        ratio: p99Ratio,
        goal: held ? `p99 ≤ ${MAX_P99_RATIO.toFixed(2)}×` : '—',
        pass: held ? p99Ratio <= MAX_P99_RATIO : undefined,
      });
      rows.push({
        figure: `broker throughput, ${clients} client${clients === 1 ? '' : 's'}`,
        measured: `${Math.round(b.throughput).toLocaleString('en-US')} req/s`,
        baseline: `bare server ${Math.round(e.throughput).toLocaleString('en-US')} lines/s`,
        ratio: throughputRatio,
        goal: held ? `≥ ${MIN_THROUGHPUT_RATIO.toFixed(2)}×` : '—',
        pass: held ? throughputRatio >= MIN_THROUGHPUT_RATIO : undefined,
      });
      if (pid !== undefined) {
        const us = (x) => `${x.toFixed(1)} µs`;
        rows.push({
          figure: `broker CPU time per answer, ${clients} client${clients === 1 ? '' : 's'}`,
          measured: us(b.cpu),
          baseline: `bare server ${us(e.cpu)}`,
          ratio: ratio('cpu'),
          goal: '—',
        });
      }
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

function runBroker(socket, clients, durationMs, cpuMs) {
  return closedLoop({
    cpuMs,
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
    cpu: r.cpuUsPerRequest ?? NaN,
    failures: r.failures ?? 0,
  };
}

function medians(rounds) {
  const of = (k) => median(rounds.map((r) => r[k]));
  return { p50: of('p50'), p99: of('p99'), throughput: of('throughput'), cpu: of('cpu') };
}
