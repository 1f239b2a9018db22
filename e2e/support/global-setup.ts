/**
 * The specs drive the built product (`node bin/keybridge.cjs serve --ui` serving dist/renderer), so a stale
 * dist/ would test yesterday's code. `npm test` builds right before `test:e2e`; a bare `npx playwright test`
 * gets the same guarantee here: whatever is older than its sources is rebuilt (about a second each).
 * KEYBRIDGE_E2E_BUILD=always rebuilds unconditionally, =never trusts dist/ as it is.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../test/support/host';

/** Newest mtime (ms) of the non-test source files under `paths` (files or folders). */
function newestSource(paths: string[]): number {
  let newest = 0;
  const visit = (p: string) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(p)) if (name !== 'node_modules') visit(join(p, name));
    } else if (!/\.(test|spec)\.tsx?$/.test(p)) newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of paths) visit(join(ROOT, p));
  return newest;
}

/** Oldest mtime (ms) of the outputs; 0 when one is missing. */
function oldestOutput(paths: string[]): number {
  let oldest = Infinity;
  for (const p of paths) {
    try {
      oldest = Math.min(oldest, statSync(join(ROOT, p)).mtimeMs);
    } catch {
      return 0;
    }
  }
  return oldest;
}

function run(what: string, args: string[]): void {
  const started = Date.now();
  const r = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0)
    throw new Error(`e2e global setup: ${what} failed (exit ${r.status}):\n${r.stderr?.toString() ?? ''}`);
  console.log(`e2e: rebuilt ${what} in ${Date.now() - started} ms`);
}

export default function globalSetup(): void {
  const mode = process.env.KEYBRIDGE_E2E_BUILD ?? 'auto';
  if (mode === 'never') return;
  const always = mode === 'always';

  const nodeSources = newestSource(['cli', 'core', 'headless', 'scripts/build-node.mjs']);
  if (always || nodeSources > oldestOutput(['dist/keybridge.cjs', 'dist/host.mjs']))
    run('the CLI and host (dist/keybridge.cjs, dist/host.mjs)', [join(ROOT, 'scripts', 'build-node.mjs')]);

  const rendererSources = newestSource(['renderer', 'core', 'vite.config.ts']);
  if (always || rendererSources > oldestOutput(['dist/renderer/index.html']))
    run('the renderer (dist/renderer)', [join(ROOT, 'node_modules', 'vite', 'bin', 'vite.js'), 'build']);
}
