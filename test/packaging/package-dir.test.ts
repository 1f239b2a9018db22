/**
 * `npm run package -- --linux --dir` (electron-builder with electron-builder.yml) against a stand-in Electron
 * release given as `electronDist`: the unpacked app has the configured executable, the app in app.asar with
 * exactly what the app loads (and not the CLI, the headless host or source maps), and the fuses of
 * electron-builder.yml flipped in the binary. The stand-in binary is a shell script carrying an Electron fuse
 * wire (sentinel, version 1, length, one ASCII '0'/'1' per fuse), which is all electron-builder's fuse step
 * reads and writes.
 *
 * Not covered here: the installers (AppImage, deb) and their desktop entry with
 * `MimeType=x-scheme-handler/keybridge`: electron-builder downloads their tools (appimagetool, fpm) from
 * GitHub, which this machine cannot reach. The entry the app writes itself is tested in
 * electron/shell/linux-desktop-file.test.ts. The release steps are in docs/release.md.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/host';

const load = createRequire(import.meta.url);
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/** @electron/fuses FuseV1Options order. */
const FUSES = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
  'wasmTrapHandlers',
] as const;
/** Electron's defaults, as a fresh binary carries them. */
const DEFAULT_WIRE = '101100011';

const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
if (!linuxX64) console.log('package --dir test skipped: it builds the linux-x64 app');

function readFuses(binary: string): Record<string, boolean> {
  const bytes = readFileSync(binary);
  const at = bytes.indexOf(SENTINEL, 0, 'latin1');
  if (at < 0) throw new Error(`${binary} carries no fuse wire`);
  const length = bytes[at + SENTINEL.length + 1]!;
  const wire = bytes.subarray(at + SENTINEL.length + 2, at + SENTINEL.length + 2 + length).toString('latin1');
  return Object.fromEntries(FUSES.map((name, i) => [name, wire[i] === '1']));
}

function run(cmd: string, args: string[], env: Record<string, string>) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe.runIf(linuxX64)('npm run package -- --linux --dir (stand-in Electron)', () => {
  let dir: string | undefined;
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('puts the app in app.asar beside the renamed binary, with the configured fuses flipped', async () => {
    for (const built of ['dist/electron/main.cjs', 'dist/renderer/index.html']) {
      if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: run \`npm run build\` first`);
    }
    const work = await mkdtemp(join(tmpdir(), 'kb-package-'));
    dir = work;
    const electronDist = join(work, 'electron-dist');
    await mkdir(join(electronDist, 'resources'), { recursive: true });
    const binary = `#!/bin/sh\n# stand-in Electron\nexit 0\n# ${SENTINEL}\x01\x09${DEFAULT_WIRE}\n`;
    await writeFile(join(electronDist, 'electron'), binary, 'latin1');
    await chmod(join(electronDist, 'electron'), 0o755);
    await writeFile(join(electronDist, 'version'), '45.5.0');
    await writeFile(join(electronDist, 'LICENSE'), 'stand-in\n');
    await writeFile(join(electronDist, 'LICENSES.chromium.html'), '<p>stand-in</p>\n');
    const out = join(work, 'release');

    const builder = load.resolve('electron-builder/cli.js');
    const r = await run(
      process.execPath,
      [
        builder,
        '--config',
        'electron-builder.yml',
        '--linux',
        '--dir',
        `-c.electronDist=${electronDist}`,
        `-c.directories.output=${out}`,
      ],
      {
        // Nothing may be fetched: a download would fail at once on port 9, and the cache is ours.
        ELECTRON_MIRROR: 'http://127.0.0.1:9/',
        ELECTRON_BUILDER_CACHE: join(work, 'builder-cache'),
        electron_config_cache: join(work, 'electron-cache'),
      },
    );
    expect(r.code, r.output).toBe(0);

    const app = join(out, 'linux-unpacked');
    const exe = join(app, 'keybridge');
    expect(statSync(exe).mode & 0o111).not.toBe(0);
    expect(readFuses(exe)).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
      wasmTrapHandlers: true,
    });

    const asar = load('@electron/asar') as {
      listPackage(path: string, opts: { isPack: boolean }): string[];
      extractFile(path: string, file: string): Buffer;
    };
    const archive = join(app, 'resources', 'app.asar');
    const files = asar.listPackage(archive, { isPack: false }).map((f) => f.replaceAll('\\', '/'));
    for (const needed of [
      '/package.json',
      '/dist/electron/main.cjs',
      '/dist/electron/preload.cjs',
      '/dist/electron/icons/app.png',
      '/dist/electron/icons/tray/signed-out-light.png',
      '/dist/renderer/index.html',
    ]) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
    for (const absent of ['/dist/keybridge.cjs', '/dist/host.mjs', '/src', '/core', '/test']) {
      expect(files, absent).not.toContain(absent);
    }
    const pkg = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as Record<
      string,
      unknown
    >;
    expect(pkg.main).toBe('dist/electron/main.cjs');
    expect(pkg.desktopName).toBe('keybridge.desktop');
    // The renderer's page in the archive is the one just built.
    expect(asar.extractFile(archive, 'dist/renderer/index.html').toString('utf8')).toBe(
      await readFile(join(ROOT, 'dist', 'renderer', 'index.html'), 'utf8'),
    );
  });
});
