#!/usr/bin/env node
/**
 * `npm start`: builds and starts the desktop app when an Electron binary is on this machine; otherwise
 * says in one paragraph why not, how to get one, and what runs instead — and exits 1.
 *
 * The binary is located by path only. `import('electron')` / `require('electron')` in plain Node would try
 * to download it (Electron ≥ 42), which is exactly what cannot happen here.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronPkg = join(root, 'node_modules', 'electron');

/** The executable inside an Electron dist folder, as node_modules/electron/install.js names it. */
function executableInDist() {
  try {
    const recorded = readFileSync(join(electronPkg, 'path.txt'), 'utf8').trim();
    if (recorded) return recorded;
  } catch {
    // Not installed: fall back to the platform's name.
  }
  if (process.platform === 'darwin') return 'Electron.app/Contents/MacOS/Electron';
  if (process.platform === 'win32') return 'electron.exe';
  return 'electron';
}

function findElectron() {
  const exe = executableInDist();
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const candidate = join(override, exe);
    return existsSync(candidate)
      ? { path: candidate }
      : { missing: `ELECTRON_OVERRIDE_DIST_PATH is set to ${override}, but it holds no ${exe}` };
  }
  const candidate = join(electronPkg, 'dist', exe);
  return existsSync(candidate)
    ? { path: candidate }
    : { missing: `${join('node_modules', 'electron', 'dist', exe)} does not exist` };
}

const found = findElectron();
if (!found.path) {
  console.error(
    `Keybridge's desktop app cannot start here: the Electron binary could not be downloaded (${found.missing}). ` +
      'npm installs only Electron\u2019s JavaScript wrapper, whose installer then fetches the binary from GitHub\u2019s ' +
      'release servers, and this machine has no network access to them (or install scripts were skipped). To get it, ' +
      'run `npx install-electron` (or reinstall with `npm install`) where there is network access, or set ' +
      'ELECTRON_OVERRIDE_DIST_PATH to a folder holding an Electron 45 binary (electron, electron.exe or Electron.app) ' +
      'and run `npm start` again. Meanwhile, `npx keybridge serve --ui` runs the same core and the same UI in your browser.',
  );
  process.exit(1);
}

// Build what the app loads: the renderer (dist/renderer) and the main process + preload (dist/electron).
for (const script of ['build:renderer', 'build:electron']) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', '--silent', script], {
    cwd: root,
    stdio: 'inherit',
    shell: process.platform === 'win32',
  });
  if (r.status !== 0) {
    console.error(`npm start: \`npm run ${script}\` failed; fix the error above and try again.`);
    process.exit(r.status ?? 1);
  }
}

const args = [root, ...process.argv.slice(2)];
// Chromium refuses to run as root with its sandbox on Linux (containers, CI); say so instead of failing.
if (process.platform === 'linux' && process.getuid?.() === 0 && !args.includes('--no-sandbox')) {
  console.error('npm start: running as root, so Electron is started with --no-sandbox.');
  args.push('--no-sandbox');
}
const env = { ...process.env };
delete env.ELECTRON_RUN_AS_NODE; // would make the binary a plain Node and ignore the app
const child = spawn(found.path, args, { cwd: root, stdio: 'inherit', env });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('error', (e) => {
  console.error(`npm start: could not start ${found.path}: ${e.message}`);
  process.exit(1);
});
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
