#!/usr/bin/env node
/**
 * Builds the Node entry points (runs from `prepare`, so `npm install` / `npm ci` build them, and from
 * `npm run build:node`):
 *   dist/keybridge.cjs  the CLI, one CommonJS file with no dependencies: `keybridge token` must start within
 *                       1.3× of a bare `node -e 0` (docs/design.md "Quality bars"), so the bundle is
 *                       checked to hold no zod, no oauth4webapi and nothing else from node_modules.
 *   dist/token-fast.cjs a bare `keybridge token` (cli/token-fast.ts), which bin/keybridge.cjs answers without
 *                       loading the CLI; held to the same rules as the CLI bundle, and to a smaller budget.
 *   dist/host.mjs       the headless host (`keybridge serve`), ESM, node_modules left external.
 *   dist/client.{mjs,cjs,d.ts,d.mts,d.cts}
 *                       `keybridge/client` for tool authors (package.json exports), dependency-free like the CLI.
 * Then makes `npx keybridge` resolve this package's own bin from the repo root (see linkOwnBin).
 */
import { chmod, lstat, mkdir, readFile, readlink, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = performance.now();
const fromPrepare = process.env.npm_lifecycle_event === 'prepare';

/** The CLI may bundle only these (relative to the repo root); anything else means a heavy import crept in. */
const CLI_MAX_BYTES = 64 * 1024;
const FAST_MAX_BYTES = 8 * 1024;
const CLI_FORBIDDEN = [/node_modules\//, /core\/api\/contract\.ts$/, /core\/config\.ts$/];

let esbuild;
try {
  esbuild = await import('esbuild');
} catch {
  const msg = 'build-node: esbuild is not installed (dev dependencies missing); skipping the Node build.';
  console.error(msg);
  // An install without dev dependencies must not fail here; an explicit `npm run build:node` must.
  process.exit(fromPrepare ? 0 : 1);
}

const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  metafile: true,
  logLevel: 'silent',
  legalComments: 'none',
  define: { __KEYBRIDGE_VERSION__: JSON.stringify(pkg.version) },
};

const results = await Promise.allSettled([
  esbuild.build({
    ...common,
    entryPoints: ['cli/keybridge.ts'],
    outfile: 'dist/keybridge.cjs',
    format: 'cjs',
  }),
  esbuild.build({
    ...common,
    entryPoints: ['cli/token-fast.ts'],
    outfile: 'dist/token-fast.cjs',
    format: 'cjs',
  }),
  esbuild.build({
    ...common,
    entryPoints: ['headless/serve.ts'],
    outfile: 'dist/host.mjs',
    format: 'esm',
    packages: 'external',
  }),
  ...['esm', 'cjs'].map((format) =>
    esbuild.build({
      ...common,
      entryPoints: ['client/index.ts'],
      outfile: format === 'esm' ? 'dist/client.mjs' : 'dist/client.cjs',
      format,
    }),
  ),
]);

let failed = false;
const [cli, fast, host, clientEsm, clientCjs] = results;
for (const [name, r] of [
  ['dist/keybridge.cjs', cli],
  ['dist/token-fast.cjs', fast],
  ['dist/host.mjs', host],
  ['dist/client.mjs', clientEsm],
  ['dist/client.cjs', clientCjs],
]) {
  if (r.status === 'rejected') {
    failed = true;
    const errors = r.reason?.errors ?? [{ text: String(r.reason) }];
    for (const e of errors) {
      const where = e.location ? `${e.location.file}:${e.location.line}: ` : '';
      console.error(`build-node: ${name}: ${where}${e.text}`);
    }
  }
}

let cliRejected = false;
for (const [name, r, maxBytes] of [
  ['dist/keybridge.cjs', cli, CLI_MAX_BYTES],
  ['dist/token-fast.cjs', fast, FAST_MAX_BYTES],
]) {
  if (r.status !== 'fulfilled') continue;
  const inputs = Object.keys(r.value.metafile.inputs);
  const heavy = inputs.filter((p) => CLI_FORBIDDEN.some((re) => re.test(p.replaceAll('\\', '/'))));
  const size = (await stat(join(root, name))).size;
  if (heavy.length > 0) {
    cliRejected = true;
    console.error(`build-node: ${name} must stay dependency-free but pulls in: ${heavy.join(', ')}`);
  }
  if (size > maxBytes) {
    cliRejected = true;
    console.error(`build-node: ${name} is ${size} bytes, over the ${maxBytes}-byte budget`);
  }
}

for (const r of [clientEsm, clientCjs]) {
  if (r.status !== 'fulfilled') continue;
  const heavy = Object.keys(r.value.metafile.inputs).filter((p) => p.includes('node_modules/'));
  if (heavy.length > 0) {
    failed = true;
    console.error(`build-node: keybridge/client must stay dependency-free but pulls in: ${heavy.join(', ')}`);
  }
}
if (!(await emitClientTypes())) failed = true;

// CLI bundles that broke their budget are removed, so the light path can never silently get heavy.
if (cliRejected)
  for (const name of ['dist/keybridge.cjs', 'dist/token-fast.cjs'])
    await unlink(join(root, name)).catch(() => {});
await linkOwnBin();
if (failed || cliRejected) {
  // From `prepare` (npm install, npm ci, and npx's one-time install of this package) a failed build only warns:
  // a failing prepare aborts the whole install and leaves npx's cache half-made. `npm run build:node` fails.
  if (fromPrepare)
    console.error('build-node: build failed (see above); fix it and run `npm run build:node`.');
  process.exit(fromPrepare ? 0 : 1);
}

const ms = Math.round(performance.now() - started);
const cliSize = (await stat(join(root, 'dist/keybridge.cjs'))).size;
console.error(
  `build-node: dist/keybridge.cjs (${(cliSize / 1024).toFixed(1)} KiB) and dist/host.mjs in ${ms} ms`,
);

/**
 * The client's declarations, emitted by the TypeScript compiler from its one source file (its public types are
 * all declared there, so the .d.ts imports nothing) and written for `import` (.d.mts), `require` (.d.cts) and
 * plain resolution (.d.ts).
 */
async function emitClientTypes() {
  let ts;
  try {
    ts = (await import('typescript')).default;
  } catch {
    console.error('build-node: typescript is not installed; skipping the keybridge/client declarations.');
    return fromPrepare;
  }
  const program = ts.createProgram([join(root, 'client/index.ts')], {
    declaration: true,
    emitDeclarationOnly: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    types: ['node'],
  });
  // The client re-exports the contract's plain types (core/api/protocol.ts, which imports nothing): they are
  // written beside it as dist/client-protocol.d.ts, the one file its declarations may import.
  let dts;
  let protocolDts;
  const emitted = program.emit(undefined, (fileName, text) => {
    const f = fileName.replaceAll('\\', '/');
    if (f.endsWith('client/index.d.ts')) dts = text;
    if (f.endsWith('core/api/protocol.d.ts')) protocolDts = text;
  });
  if (emitted.emitSkipped || !dts || !protocolDts) {
    console.error('build-node: could not emit the keybridge/client declarations.');
    return false;
  }
  dts = dts.replace(/from ['"]\.\.\/core\/api\/protocol['"]/g, "from './client-protocol.js'");
  const foreign = [...dts.matchAll(/^\s*(?:import|export)\b[^;]*?from\s+['"]([^'"]+)['"]/gm)]
    .map((m) => m[1])
    .filter((spec) => spec !== './client-protocol.js');
  if (foreign.length > 0 || /^\s*import\s/m.test(protocolDts)) {
    console.error(
      `build-node: the keybridge/client declarations import other files (${foreign.join(', ')}); declare public types in index.ts or core/api/protocol.ts.`,
    );
    return false;
  }
  const header = '/** keybridge/client — see docs/client.md. Generated by scripts/build-node.mjs. */\n';
  for (const ext of ['d.ts', 'd.mts', 'd.cts'])
    await writeFile(join(root, `dist/client.${ext}`), header + dts);
  await writeFile(join(root, 'dist/client-protocol.d.ts'), header + protocolDts);
  return true;
}

/**
 * npm links the bins of dependencies into node_modules/.bin, never the root package's own bin, so inside this
 * repository `npx keybridge` would look for a package named keybridge in the registry. A symlink
 * node_modules/.bin/keybridge → ../../bin/keybridge.cjs makes npx (and npm scripts) find it locally.
 */
async function linkOwnBin() {
  const binDir = join(root, 'node_modules', '.bin');
  const link = join(binDir, 'keybridge');
  const target = relative(binDir, join(root, pkg.bin.keybridge));
  await chmod(join(root, pkg.bin.keybridge), 0o755).catch(() => {});
  if (process.platform === 'win32') return; // npx on Windows needs .cmd shims; `node bin/keybridge.cjs` works there.
  try {
    await mkdir(binDir, { recursive: true });
    try {
      const st = await lstat(link);
      if (st.isSymbolicLink() && (await readlink(link)) === target) return;
      if (!st.isSymbolicLink()) return; // Something else installed a keybridge bin: leave it alone.
      await unlink(link);
    } catch {
      // No link yet.
    }
    await symlink(target, link);
  } catch (e) {
    console.error(
      `build-node: could not link node_modules/.bin/keybridge (${e.message}); use \`node bin/keybridge.cjs\`.`,
    );
  }
}
