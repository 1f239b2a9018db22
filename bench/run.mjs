#!/usr/bin/env node
/**
 * `npm run bench`: measures the performance figures of docs/design.md "Quality bars" and issue #6 in one run,
 * each next to a baseline measured in the same run (machines are noisy; ratios travel better than
 * milliseconds), prints a table and writes it to bench/RESULTS.md.
 *
 *   node bench/run.mjs [--quick] [--strict]
 *     --quick   shorter windows (idle 10 s instead of 60 s, fewer runs): for a quick look, not for the README
 *     --strict  exit 1 when a figure misses its goal (by default a bench reports, it does not gate)
 *
 * Needs the builds: dist/keybridge.cjs + dist/host.mjs (build:node), dist/renderer (vite build) and
 * the bundled test support (bench/build.mjs); `npm run bench` makes all three first.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { benchBroker } from './broker.mjs';
import { benchColdStart } from './cold-start.mjs';
import { benchExpiryBurst } from './expiry-burst.mjs';
import { benchAccountsBurst } from './accounts-burst.mjs';
import { benchIdle } from './idle.mjs';
import { ROOT, procSample, startSignedInHost, support } from './lib.mjs';
import { benchRendererSize } from './renderer-size.mjs';

const quick = process.argv.includes('--quick');
const strict = process.argv.includes('--strict');
const say = (line) => process.stderr.write(`bench: ${line}\n`);

const rows = [];
const started = Date.now();
const load = loadavg()[0];

rows.push(...benchRendererSize());

const { startOidcServer } = await support();
// Host A: an hour-long token, for cold start and the broker. Host B: 65-second tokens, for the expiry burst;
// it starts now so its token is inside the 60 s window by the time the burst runs. Host C: signed in with an
// hour-long token and left alone, for the idle figures (host A has just served hundreds of thousands of
// requests, and V8 tidies up after that for a minute or two).
const shortOidc = await startOidcServer({ accessTokenTtlSeconds: 65 });
const [hostA, hostB, hostC] = await Promise.all([
  startSignedInHost({ ttlSeconds: 3600 }),
  startSignedInHost({ oidc: shortOidc }),
  startSignedInHost({ ttlSeconds: 3600, login: 'idle@example.com' }),
]);
try {
  say('cold start…');
  rows.push(...(await benchColdStart({ env: hostA.env, runs: quick ? 20 : 50 })));
  say('broker latency and throughput…');
  rows.push(
    ...(await benchBroker({ socket: hostA.socket, dir: hostA.home, durationMs: quick ? 1000 : 3000 })),
  );
  say('1,000 requests at expiry…');
  rows.push(...(await benchExpiryBurst({ host: hostB, oidc: shortOidc })));
  await hostB.stop();
  // A host of its own, signed in first to an account the burst never names (it only makes the three others extra).
  say('1,000 requests over 3 accounts at expiry…');
  const hostD = await startSignedInHost({ oidc: shortOidc, login: 'bench-idle@example.com' });
  try {
    rows.push(...(await benchAccountsBurst({ host: hostD, oidc: shortOidc })));
  } finally {
    await hostD.stop();
  }
  rows.push(rssRow('host RSS after the broker benches (256 clients)', hostA));
  await hostA.stop();
  say(`idle host (${quick ? 10 : 60} s)…`);
  rows.push(
    ...(await benchIdle({
      host: hostC,
      dir: hostC.home,
      windowMs: quick ? 10_000 : 60_000,
      settleMaxMs: quick ? 90_000 : 180_000,
    })),
  );
} finally {
  await hostA.stop().catch(() => {});
  await hostB.stop().catch(() => {});
  await hostC.stop().catch(() => {});
  await shortOidc.close();
}

// Aligned by Prettier, as `npm run lint` wants every Markdown file (and easier to read in a terminal).
const table = await aligned(render(rows));
const header = [
  `Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, load average ${load.toFixed(2)} at start;`,
  `${quick ? 'quick run (--quick)' : 'full run'} of ${Math.round((Date.now() - started) / 1000)} s on ${new Date().toISOString().slice(0, 10)}.`,
].join(' ');
process.stdout.write(`\n${table}\n\n${header}\n`);
const misses = rows.filter((r) => r.pass === false);
if (!quick) {
  writeFileSync(
    join(ROOT, 'bench', 'RESULTS.md'),
    `# Benchmark results\n\nThe last full run of \`npm run bench\` (written by bench/run.mjs).\n\n${table}\n\n${header}\n`,
  );
  say('wrote bench/RESULTS.md');
}
if (misses.length > 0)
  say(`${misses.length} figure(s) missed the goal: ${misses.map((m) => m.figure).join('; ')}`);
process.exit(strict && misses.length > 0 ? 1 : 0);

function rssRow(figure, host) {
  const rss = procSample(host.pid).rss;
  return { figure, measured: `${(rss / 1048576).toFixed(1)} MB`, goal: '—' };
}

async function aligned(markdown) {
  try {
    const prettier = await import('prettier');
    const options = (await prettier.resolveConfig(join(ROOT, 'bench', 'RESULTS.md'))) ?? {};
    return (await prettier.format(markdown, { ...options, parser: 'markdown' })).trim();
  } catch {
    return markdown; // Prettier is a dev dependency; without it the table is merely unaligned.
  }
}

function render(list) {
  const head = ['Figure', 'Measured', 'Baseline (same run)', 'Ratio', 'Goal', 'Result'];
  const body = list.map((r) => [
    r.figure,
    r.measured,
    r.baseline ?? '—',
    r.ratio === undefined ? '—' : `${r.ratio.toFixed(2)}×`,
    r.goal ?? '—',
    r.pass === undefined ? 'info' : r.pass ? 'PASS' : 'MISS',
  ]);
  const lines = [head, head.map(() => '---'), ...body].map((cells) => `| ${cells.join(' | ')} |`);
  return lines.join('\n');
}
