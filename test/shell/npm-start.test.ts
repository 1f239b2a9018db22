/**
 * `npm start` on a first run (scripts/start.mjs): with the Electron binary missing it runs Electron's own
 * installer, which downloads a stand-in release from a local mirror (test/support/electron-mirror.ts), then
 * builds and launches the binary with the app's folder. With the mirror unreachable it prints the paragraph
 * naming `npx keybridge serve --ui` and, without a terminal, exits 1.
 *
 * Everything happens in a temporary copy of the project: scripts/start.mjs, a package.json whose build
 * scripts only record that they ran, and a copy of node_modules/electron (install.js always unpacks into its
 * own dist/, which must not be the shared node_modules). Electron's cache is a temp folder
 * (electron_config_cache) and no request leaves loopback (ELECTRON_MIRROR).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startElectronMirror, LAUNCH_RECORD, type ElectronMirror } from '../support/electron-mirror';
import { freePort, ROOT } from '../support/host';

const ELECTRON = join(ROOT, 'node_modules', 'electron');
const version = (JSON.parse(await readFile(join(ELECTRON, 'package.json'), 'utf8')) as { version: string })
  .version;
const supported = process.platform === 'linux' || process.platform === 'darwin';
if (!supported) console.log('npm start test skipped: the stand-in Electron binary is a POSIX shell script');
const hasScript = supported && spawnSync('script', ['--version']).status === 0;
if (supported && !hasScript)
  console.log('npm start terminal test skipped: util-linux `script` is not installed');

const record = (script: string) => `node -e "require('fs').appendFileSync('built.txt', '${script}\\n')"`;

/** A throwaway project holding what `npm start` touches; nothing else of the repository is needed. */
async function projectCopy(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'kb-npm-start-'));
  await mkdir(join(dir, 'scripts'));
  await cp(join(ROOT, 'scripts', 'start.mjs'), join(dir, 'scripts', 'start.mjs'));
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'kb-npm-start-test',
      private: true,
      type: 'module',
      scripts: {
        'build:node': record('node'),
        'build:renderer': record('renderer'),
        'build:electron': record('electron'),
      },
    }),
  );
  // What the browser-UI offer starts: a stand-in CLI that records its arguments.
  await mkdir(join(dir, 'bin'));
  await writeFile(
    join(dir, 'bin', 'keybridge.cjs'),
    "require('fs').writeFileSync('cli-args.txt', process.argv.slice(2).join(' '));\n",
  );
  const modules = join(dir, 'node_modules');
  await mkdir(modules);
  // Electron's wrapper is copied (its installer writes dist/ and path.txt beside itself); what the installer
  // loads (@electron/get, the zip extractor and their dependencies) is used from the shared tree, read-only.
  await cp(ELECTRON, join(modules, 'electron'), {
    recursive: true,
    filter: (src) => !src.startsWith(join(ELECTRON, 'dist')) && src !== join(ELECTRON, 'path.txt'),
  });
  for (const scope of ['@electron', '@electron-internal']) {
    await symlink(join(ROOT, 'node_modules', scope), join(modules, scope));
  }
  return dir;
}

interface Run {
  code: number | null;
  stderr: string;
}

/**
 * Runs `node scripts/start.mjs` in `dir`: without a terminal (stdin ignored, output piped), or with
 * `answer` on a pseudo-terminal made by util-linux `script`, typed once the question is asked.
 */
function npmStart(dir: string, env: Record<string, string>, answer?: string): Promise<Run> {
  return new Promise((resolve) => {
    const start = join(dir, 'scripts', 'start.mjs');
    const [cmd, args] =
      answer === undefined
        ? [process.execPath, [start]]
        : ['script', ['-qec', `"${process.execPath}" "${start}"`, '/dev/null']];
    const child = spawn(cmd, args, {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: join(dir, 'home'),
        electron_config_cache: join(dir, 'electron-cache'),
        electron_use_remote_checksums: '1',
        ...env,
      },
      stdio: [answer === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    let asked = false;
    const onOutput = (d: Buffer) => {
      stderr += d;
      if (answer !== undefined && !asked && stderr.includes('[y/N]')) {
        asked = true;
        child.stdin!.write(`${answer}\n`);
      }
    };
    child.stderr!.on('data', onOutput);
    child.stdout!.on('data', onOutput);
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}

describe.runIf(supported)('npm start on a first run', () => {
  let mirror: ElectronMirror;
  const dirs: string[] = [];

  beforeAll(async () => {
    mirror = await startElectronMirror({ version, platform: process.platform, arch: process.arch });
  });
  afterAll(async () => {
    await mirror?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it('downloads Electron from the mirror with its installer, builds, and launches it with the app folder', async () => {
    const dir = await projectCopy();
    dirs.push(dir);
    const run = await npmStart(dir, { ELECTRON_MIRROR: mirror.url });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`the Electron ${version} binary is not installed yet; downloading it`);
    expect(run.stderr).toContain(mirror.url);
    expect(run.stderr).toContain('Electron is installed.');
    expect(mirror.requests).toEqual(
      expect.arrayContaining([
        `/v${version}/electron-v${version}-${process.platform}-${process.arch}.zip`,
        `/v${version}/SHASUMS256.txt`,
      ]),
    );
    // The zip went to the configured cache, not the user's.
    expect(readdirSync(join(dir, 'electron-cache'))).toHaveLength(1);

    const dist = join(dir, 'node_modules', 'electron', 'dist');
    const launched = (await readFile(join(dist, LAUNCH_RECORD), 'utf8')).trim().split('\n');
    expect(launched[0]).toBe(`cwd=${dir}`);
    expect(launched[1]).toBe(dir);
    expect(await readFile(join(dir, 'built.txt'), 'utf8')).toBe('renderer\nelectron\n');

    // A second start finds the binary: no download, same launch.
    const zipRequests = mirror.requests.length;
    await rm(join(dist, LAUNCH_RECORD));
    const again = await npmStart(dir, { ELECTRON_MIRROR: mirror.url });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('downloading');
    expect(mirror.requests).toHaveLength(zipRequests);
    expect(existsSync(join(dist, LAUNCH_RECORD))).toBe(true);
  });

  it('with the mirror unreachable, prints the paragraph naming `npx keybridge serve --ui` and exits 1', async () => {
    const dir = await projectCopy();
    dirs.push(dir);
    const closedPort = await freePort();
    const run = await npmStart(dir, { ELECTRON_MIRROR: `http://127.0.0.1:${closedPort}/` });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain('downloading it');
    expect(run.stderr).toContain("Keybridge's desktop app cannot start here");
    expect(run.stderr).toContain('installer could not download it');
    expect(run.stderr).toContain('ELECTRON_OVERRIDE_DIST_PATH');
    expect(run.stderr).toContain(
      '`npx keybridge serve --ui` runs the same core and the same UI in your browser',
    );
    // Without a terminal there is no question, and nothing was built or launched.
    expect(run.stderr).not.toContain('[y/N]');
    expect(existsSync(join(dir, 'built.txt'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', 'electron', 'dist', 'electron'))).toBe(false);
  });

  it.runIf(hasScript)(
    'on a terminal, asks whether to start the browser UI and starts it on yes',
    async () => {
      const closed = `http://127.0.0.1:${await freePort()}/`;
      const no = await projectCopy();
      dirs.push(no);
      const declined = await npmStart(no, { ELECTRON_MIRROR: closed }, 'n');
      expect(declined.stderr).toContain('Start the browser UI now (npx keybridge serve --ui)? [y/N]');
      expect(declined.code).toBe(1);
      expect(existsSync(join(no, 'cli-args.txt'))).toBe(false);

      const yes = await projectCopy();
      dirs.push(yes);
      const accepted = await npmStart(yes, { ELECTRON_MIRROR: closed }, 'y');
      expect(accepted.code, accepted.stderr).toBe(0);
      expect(await readFile(join(yes, 'cli-args.txt'), 'utf8')).toBe('serve --ui');
      expect(await readFile(join(yes, 'built.txt'), 'utf8')).toBe('node\nrenderer\n');
    },
  );
});
