#!/usr/bin/env node
/**
 * `npm start`: builds and starts the desktop app. Electron ≥ 42 no longer downloads its binary at
 * `npm install`, so on a first run the binary is missing: then Electron's own installer
 * (node_modules/electron/install.js, through @electron/get) fetches it, honouring ELECTRON_MIRROR,
 * electron_config_cache, electron_use_remote_checksums and ELECTRON_GET_USE_PROXY with the usual proxy
 * variables. Only when that fails does it say, in one paragraph, why, how to get the binary and what runs
 * instead (`npx keybridge serve --ui`); on a terminal it offers to start that now, otherwise it exits 1.
 *
 * The binary is located by path only: `require('electron')` in plain Node would start a download of its
 * own, without the message above.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const electronPkg = join(root, 'node_modules', 'electron');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

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

function electronVersion() {
  try {
    return JSON.parse(readFileSync(join(electronPkg, 'package.json'), 'utf8')).version;
  } catch {
    return undefined;
  }
}

/** Runs Electron's installer in the foreground, its output (errors, the progress bar) on this terminal. */
function runElectronInstaller() {
  const installer = join(electronPkg, 'install.js');
  if (!existsSync(installer)) return false;
  const version = electronVersion() ?? '';
  const from = process.env.ELECTRON_MIRROR || process.env.npm_config_electron_mirror || 'GitHub releases';
  console.error(
    `npm start: the Electron ${version} binary is not installed yet; downloading it (about 100 MB) from ${from}` +
      ' with Electron\u2019s installer. This happens once.',
  );
  const r = spawnSync(process.execPath, [installer], { cwd: electronPkg, stdio: 'inherit' });
  if (r.status !== 0) return false;
  console.error('npm start: Electron is installed.');
  return true;
}

function runScript(script) {
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

/** Starts `child` in the foreground and ends this process the way it ends. */
function handOver(child, what) {
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('error', (e) => {
    console.error(`npm start: could not start ${what}: ${e.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

async function offerBrowserUi() {
  if (!process.stdin.isTTY || !process.stdout.isTTY) process.exit(1);
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question('Start the browser UI now (npx keybridge serve --ui)? [y/N] ');
  rl.close();
  if (!/^y(es)?$/i.test(answer.trim())) process.exit(1);
  // The CLI and the UI it serves: built like `npm install` (prepare) and `npm run build:renderer` do.
  runScript('build:node');
  runScript('build:renderer');
  const child = spawn(process.execPath, [join(root, 'bin', 'keybridge.cjs'), 'serve', '--ui'], {
    cwd: root,
    stdio: 'inherit',
  });
  handOver(child, 'keybridge serve --ui');
}

let found = findElectron();
// An explicit ELECTRON_OVERRIDE_DIST_PATH names the binary to use: nothing is downloaded instead of it.
if (!found.path && !process.env.ELECTRON_OVERRIDE_DIST_PATH) {
  const installed = runElectronInstaller();
  found = findElectron();
  if (!installed && !found.path) found.missing += ', and Electron\u2019s installer could not download it';
}
if (!found.path) {
  console.error(
    `Keybridge's desktop app cannot start here: the Electron binary is missing (${found.missing}). ` +
      'npm installs only Electron\u2019s JavaScript wrapper; its installer downloads the binary on first use from ' +
      'GitHub\u2019s release servers, which needs network access to them (any error is shown above). ' +
      'To get it, run ' +
      '`npm start` again where there is network access (behind a proxy, set HTTPS_PROXY and ' +
      'ELECTRON_GET_USE_PROXY=1; for a mirror, ELECTRON_MIRROR), or set ELECTRON_OVERRIDE_DIST_PATH to a folder ' +
      'holding an Electron 45 binary (electron, electron.exe or Electron.app). Meanwhile, ' +
      '`npx keybridge serve --ui` runs the same core and the same UI in your browser.',
  );
  await offerBrowserUi();
} else {
  // Build what the app loads: the renderer (dist/renderer) and the main process + preload (dist/electron).
  runScript('build:renderer');
  runScript('build:electron');

  const args = [root, ...process.argv.slice(2)];
  // Chromium refuses to run as root with its sandbox on Linux (containers, CI); say so instead of failing.
  if (process.platform === 'linux' && process.getuid?.() === 0 && !args.includes('--no-sandbox')) {
    console.error('npm start: running as root, so Electron is started with --no-sandbox.');
    args.push('--no-sandbox');
  }
  const env = { ...process.env };
  delete env.ELECTRON_RUN_AS_NODE; // would make the binary a plain Node and ignore the app
  handOver(spawn(found.path, args, { cwd: root, stdio: 'inherit', env }), found.path);
}
