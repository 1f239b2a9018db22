/**
 * The desktop app, end to end, in Electron: it starts with a fresh data folder, opens its window and offers
 * "Sign in with OpenAI"; the page runs isolated (no Node, only the Bridge). Runs where an Electron binary
 * exists (ELECTRON_OVERRIDE_DIST_PATH, or node_modules/electron/dist from an install with network access)
 * and is skipped, with the reason printed, where none does.
 *
 * The binary is found by path: importing `electron` in this (Node) process would try to download it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron as electron, expect, test, type ElectronApplication } from '@playwright/test';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function findElectron(): { path: string } | { reason: string } {
  const electronPkg = join(root, 'node_modules', 'electron');
  let exe =
    process.platform === 'darwin'
      ? 'Electron.app/Contents/MacOS/Electron'
      : process.platform === 'win32'
        ? 'electron.exe'
        : 'electron';
  try {
    exe = readFileSync(join(electronPkg, 'path.txt'), 'utf8').trim() || exe;
  } catch {
    // Not installed: the platform's name.
  }
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? join(override, exe) : join(electronPkg, 'dist', exe);
  if (existsSync(candidate)) return { path: candidate };
  return {
    reason: override
      ? `ELECTRON_OVERRIDE_DIST_PATH=${override} holds no ${exe}`
      : `${candidate} is missing — the Electron binary could not be downloaded on this machine (no network access to its download host); set ELECTRON_OVERRIDE_DIST_PATH to a folder with an Electron 45 binary to run this test`,
  };
}

/** The Bridge's methods (core/api/bridge.ts): the page must see exactly these, nothing more. */
const BRIDGE_METHODS = [
  'cancelSignIn',
  'getStatus',
  'getUsage',
  'listModels',
  'login',
  'logout',
  'onStatus',
  'openExternal',
  'openRedirectUrl',
  'selectModel',
];

test.describe('desktop app in Electron', () => {
  let app: ElectronApplication | undefined;
  let home: string | undefined;

  test.afterEach(async () => {
    await app?.close().catch(() => undefined);
    app = undefined;
    if (home) rmSync(home, { recursive: true, force: true });
    home = undefined;
  });

  test('starts with a fresh data folder and offers “Sign in with OpenAI” in an isolated page', async () => {
    test.setTimeout(90_000);
    const found = findElectron();
    if (!('path' in found)) {
      console.log(`No Electron binary here: ${found.reason}`);
      test.skip(true, `No Electron binary here: ${found.reason}`);
      return;
    }

    for (const [script, output] of [
      ['build:renderer', 'dist/renderer/index.html'],
      ['build:electron', 'dist/electron/main.cjs'],
    ] as const) {
      if (existsSync(join(root, output))) continue;
      const r = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', script], {
        cwd: root,
        stdio: 'inherit',
        shell: process.platform === 'win32',
      });
      expect(r.status, `npm run ${script}`).toBe(0);
    }

    home = mkdtempSync(join(tmpdir(), 'kb-electron-'));
    // No keyring in a test session: answer the "no keyring" question in advance (key-file cipher), so no
    // dialog waits for a click.
    writeFileSync(join(home, 'desktop-settings.json'), JSON.stringify({ basicText: 'declined' }));
    const xdg = join(home, 'xdg');
    mkdirSync(xdg);

    const args = [root, '--no-tray'];
    if (process.platform === 'linux') {
      if (process.getuid?.() === 0) args.push('--no-sandbox');
      if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) args.push('--ozone-platform=headless');
    }
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && k !== 'ELECTRON_RUN_AS_NODE') env[k] = v;
    Object.assign(env, {
      KEYBRIDGE_HOME: home,
      KEYBRIDGE_SOCKET:
        process.platform === 'win32'
          ? `\\\\.\\pipe\\keybridge-e2e-${process.pid}`
          : join(home, 'broker.sock'),
      // The desktop-file registration and autostart write under these; keep them in the temp folder.
      XDG_DATA_HOME: join(xdg, 'data'),
      XDG_CONFIG_HOME: join(xdg, 'config'),
    });

    app = await electron.launch({ executablePath: found.path, args, env, cwd: root, timeout: 60_000 });
    const page = await app.firstWindow();

    await expect(page.getByText('Sign in with OpenAI').first()).toBeVisible({ timeout: 30_000 });

    // The page is isolated: no Node, and the bridge has exactly the Bridge's methods.
    const surface = await page.evaluate(() => ({
      require: typeof (globalThis as { require?: unknown }).require,
      process: typeof (globalThis as { process?: unknown }).process,
      bridge: Object.keys((globalThis as unknown as { keybridge: object }).keybridge).sort(),
    }));
    expect(surface).toEqual({ require: 'undefined', process: 'undefined', bridge: BRIDGE_METHODS });

    // Navigation away from the app page is blocked: the page stays ours.
    const before = page.url();
    await page.evaluate(() => {
      location.href = 'https://example.com/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);

    // window.open is denied: no second window appears.
    await page.evaluate(() => window.open('https://example.com/', '_blank'));
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);

    // The host is running for this data folder: its lock names this app's process.
    const lock = JSON.parse(readFileSync(join(home, 'host.lock'), 'utf8')) as { pid: number };
    expect(lock.pid).toBe(await app.evaluate(() => process.pid));
  });
});
