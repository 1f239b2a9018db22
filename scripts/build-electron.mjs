#!/usr/bin/env node
/**
 * Builds the Electron shell (`npm run build:electron`):
 *   dist/electron/main.cjs     the main process: electron/main.ts and everything it imports (the core,
 *                              electron-store — ESM, bundled in), CommonJS; `electron` stays external.
 *   dist/electron/preload.cjs  the preload, CommonJS and self-contained: a sandboxed preload may require
 *                              only `electron` (and a few polyfills), never a file of ours.
 *   dist/electron/icons/       tray icons (build/icons/tray) and the window/desktop icon, next to the main
 *                              bundle so the packaged app finds them inside app.asar.
 * Needs no Electron binary.
 */
import { cp, mkdir, readFile, readdir, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'electron');
const started = performance.now();
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

// Electron 45 runs Node 22 and Chromium 140.
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'cjs',
  metafile: true,
  logLevel: 'warning',
  legalComments: 'none',
  sourcemap: 'linked',
  define: { __KEYBRIDGE_VERSION__: JSON.stringify(pkg.version) },
};

await rm(out, { recursive: true, force: true });

const [main, preload] = await Promise.all([
  esbuild.build({
    ...common,
    entryPoints: ['electron/main.ts'],
    outfile: 'dist/electron/main.cjs',
    platform: 'node',
    target: 'node22',
    // Native or optional modules are loaded at run time from the packaged node_modules (they are
    // `dependencies`, which electron-builder ships); ws's optional accelerators may be absent.
    external: ['electron', '@napi-rs/keyring', 'bufferutil', 'utf-8-validate'],
  }),
  esbuild.build({
    ...common,
    entryPoints: ['electron/preload.ts'],
    outfile: 'dist/electron/preload.cjs',
    platform: 'browser',
    target: 'chrome140',
    external: ['electron'],
  }),
]);

// The preload must be self-contained: in a sandbox `require` knows only 'electron' and a few built-ins.
const preloadText = await readFile(join(out, 'preload.cjs'), 'utf8');
const requires = [...preloadText.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
const foreign = requires.filter((r) => r !== 'electron');
if (foreign.length > 0) {
  console.error(
    `build-electron: the sandboxed preload would require ${foreign.join(', ')}; it may only require electron`,
  );
  process.exit(1);
}
// Nothing the main bundle holds may be the renderer's concern, and the preload must not pull in zod.
const preloadInputs = Object.keys(preload.metafile.inputs);
if (preloadInputs.some((p) => p.includes('node_modules/'))) {
  console.error(`build-electron: the preload bundles node_modules: ${preloadInputs.join(', ')}`);
  process.exit(1);
}

// Icons beside the bundle.
await mkdir(join(out, 'icons', 'tray'), { recursive: true });
const trayDir = join(root, 'build', 'icons', 'tray');
const trayFiles = (await readdir(trayDir)).filter((f) => f.endsWith('.png'));
await Promise.all(trayFiles.map((f) => cp(join(trayDir, f), join(out, 'icons', 'tray', f))));
await cp(join(root, 'build', 'icons', '256x256.png'), join(out, 'icons', 'app.png'));

const size = async (f) => ((await stat(join(out, f))).size / 1024).toFixed(1);
const ms = Math.round(performance.now() - started);
console.error(
  `build-electron: dist/electron/main.cjs (${await size('main.cjs')} KiB, ${Object.keys(main.metafile.inputs).length} inputs), ` +
    `preload.cjs (${await size('preload.cjs')} KiB), ${trayFiles.length} tray icons in ${ms} ms`,
);
