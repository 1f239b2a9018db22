#!/usr/bin/env node
/**
 * Bundles bench/support.ts (the real oidc-provider test server, the HTTP sign-in helper and the broker client)
 * to node_modules/.cache/keybridge-bench/support.mjs so the .mjs benches can import it with plain node
 * (node_modules stay external and resolve from there). Not in dist/: nothing of it may ship.
 */
import { build } from 'esbuild';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
await build({
  absWorkingDir: root,
  entryPoints: ['bench/support.ts'],
  outfile: 'node_modules/.cache/keybridge-bench/support.mjs',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  logLevel: 'warning',
});
