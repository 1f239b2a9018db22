/**
 * `keybridge token` against a running host vs a bare `node -e 0`, interleaved run by run so that machine
 * noise hits both alike; the figure is the ratio of the medians (docs/design.md "Quality bars": ≤ 1.3×).
 */
import { spawnSync } from 'node:child_process';
import { BIN, median } from './lib.mjs';

export async function benchColdStart({ env, runs }) {
  const variants = {
    bare: ['-e', '0'],
    token: [BIN, 'token'],
  };
  const times = { bare: [], token: [] };
  const once = (name) => {
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, variants[name], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.status !== 0) throw new Error(`${variants[name].join(' ')} exited ${r.status}: ${r.stderr}`);
    if (name === 'token' && r.stdout.toString().trim().split('.').length !== 3)
      throw new Error('keybridge token printed no token');
    return ms;
  };
  // Warm the file system cache and the host's JIT first; those are not what a user's next call pays.
  for (let i = 0; i < 3; i += 1) for (const name of Object.keys(variants)) once(name);
  for (let i = 0; i < runs; i += 1) {
    // Alternate which goes first, so neither always runs right after the other.
    const order = i % 2 === 0 ? ['bare', 'token'] : ['token', 'bare'];
    for (const name of order) times[name].push(once(name));
  }
  const bare = median(times.bare);
  const token = median(times.token);
  return [
    {
      figure: `\`keybridge token\` start to exit (median of ${runs})`,
      measured: `${token.toFixed(1)} ms`,
      baseline: `\`node -e 0\` ${bare.toFixed(1)} ms`,
      ratio: token / bare,
      goal: '≤ 1.30×',
      pass: token / bare <= 1.3,
    },
  ];
}
