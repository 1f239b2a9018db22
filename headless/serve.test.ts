/**
 * `keybridge serve` with the real core (host, session, vault with the file-key cipher) and the real broker:
 * in-process for the details, and once as the built command (`node bin/keybridge.cjs serve`) end to end.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connectBroker } from '../core/broker/client';
import { tempDir } from '../test/support/broker-harness';
import { serve, type ServeOptions } from './serve';

const root = join(__dirname, '..');

let tmp: Awaited<ReturnType<typeof tempDir>>;
let env: Record<string, string>;
beforeEach(async () => {
  tmp = await tempDir('kb-serve-');
  env = {
    HOME: tmp.dir,
    KEYBRIDGE_HOME: join(tmp.dir, 'home'),
    KEYBRIDGE_SOCKET: join(tmp.dir, 'run', 'broker.sock'),
    KEYBRIDGE_CIPHER: 'file-key',
  };
});
afterEach(async () => {
  await tmp.cleanup();
});

/** Starts serve in-process; resolves once it is ready, with a stop() that resolves to its exit code. */
async function startServe(argv: string[] = [], extra: Partial<ServeOptions> = {}) {
  let stop!: () => void;
  let stderr = '';
  let ready!: (info: { socketPath: string; home: string; uiUrl?: string }) => void;
  const readyP = new Promise<{ socketPath: string; home: string; uiUrl?: string }>((r) => (ready = r));
  const done = serve(argv, {
    env,
    stderr: (t) => (stderr += t),
    stop: new Promise<void>((r) => (stop = r)),
    onReady: ready,
    ...extra,
  });
  const info = await Promise.race([
    readyP,
    done.then((code) => Promise.reject(new Error(`serve exited ${code}: ${stderr}`))),
  ]);
  return {
    info,
    stderr: () => stderr,
    stop: async () => {
      stop();
      return done;
    },
  };
}

describe('serve (in process)', () => {
  it('serves the broker for the data folder, logs to host.log 0600, and cleans up on stop', async () => {
    const host = await startServe();
    expect(host.stderr()).toContain(
      `Keybridge host serving ${env.KEYBRIDGE_SOCKET} (data: ${env.KEYBRIDGE_HOME}, storage: `,
    );
    expect((await lstat(env.KEYBRIDGE_SOCKET!)).mode & 0o777).toBe(0o600);
    const lock = JSON.parse(await readFile(join(env.KEYBRIDGE_HOME!, 'host.lock'), 'utf8'));
    expect(lock).toMatchObject({ pid: process.pid, socketPath: env.KEYBRIDGE_SOCKET });

    const client = await connectBroker(env.KEYBRIDGE_SOCKET!, { name: 'serve-test' });
    expect(await client.call('status.get')).toMatchObject({
      state: 'signedOut',
      storage: { kind: 'file-key' },
    });
    await expect(client.call('credentials.get')).rejects.toMatchObject({ code: -32001 });
    client.close();

    const log = join(env.KEYBRIDGE_HOME!, 'logs', 'host.log');
    expect((await stat(log)).mode & 0o777).toBe(0o600);
    expect(await readFile(log, 'utf8')).toMatch(/^\d{4}-\d\d-\d\dT.*Keybridge host serving /m);

    expect(await host.stop()).toBe(0);
    expect(existsSync(env.KEYBRIDGE_SOCKET!)).toBe(false);
    expect(existsSync(join(env.KEYBRIDGE_HOME!, 'host.lock'))).toBe(false);
  });

  it('refuses a second host for the same data folder, naming the first', async () => {
    const first = await startServe();
    let stderr = '';
    const code = await serve([], { env, stderr: (t) => (stderr += t), stop: Promise.resolve() });
    expect(code).toBe(1);
    expect(stderr).toContain(
      `Keybridge is already running for ${env.KEYBRIDGE_HOME} (pid ${process.pid}, serving ${env.KEYBRIDGE_SOCKET}).`,
    );
    expect(await first.stop()).toBe(0);
  });

  it('exits 1 with the message when the configuration is invalid', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(env.KEYBRIDGE_HOME!, { recursive: true });
    await writeFile(join(env.KEYBRIDGE_HOME!, 'config.json'), '{"KEYBRIDGE_REDIRECT": "carrier-pigeon"}');
    let stderr = '';
    expect(await serve([], { env, stderr: (t) => (stderr += t), stop: Promise.resolve() })).toBe(1);
    expect(stderr).toContain('config.json');
    expect(stderr).toContain('KEYBRIDGE_REDIRECT');
  });

  it('--ui starts the UI starter after the broker, prints its URL and closes it on stop', async () => {
    let closed = false;
    let port: number | undefined;
    const withUi = await startServe(['--ui', '--port', '4321'], {
      startUi: async (o) => {
        port = o.port;
        return { url: 'http://127.0.0.1:4321/#token', close: async () => void (closed = true) };
      },
    });
    expect(port).toBe(4321);
    expect(withUi.info.uiUrl).toBe('http://127.0.0.1:4321/#token');
    expect(withUi.stderr()).toContain('Open the Keybridge UI: http://127.0.0.1:4321/#token');
    expect(await withUi.stop()).toBe(0);
    expect(closed).toBe(true);
  });

  it('rejects unknown flags and --port without --ui with exit 2', async () => {
    const quiet = { env, stderr: () => {}, stop: Promise.resolve() };
    expect(await serve(['--port', '80'], quiet)).toBe(2);
    expect(await serve(['--bogus'], quiet)).toBe(2);
  });
});

describe('keybridge serve (the built command)', () => {
  it('starts, answers `keybridge status`, and stops cleanly on SIGTERM', async () => {
    const build = spawnSync(process.execPath, [join(root, 'scripts', 'build-node.mjs')], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(build.status, build.stderr).toBe(0);
    const bin = join(root, 'bin', 'keybridge.cjs');
    const child = spawn(process.execPath, [bin, 'serve'], { env: { PATH: process.env.PATH, ...env } });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect.poll(() => stderr, { timeout: 10_000 }).toContain('Keybridge host serving');
      const status = await new Promise<{ code: number | null; stdout: string }>((resolve) => {
        const c = spawn(process.execPath, [bin, 'status', '--json'], {
          env: { PATH: process.env.PATH, ...env },
        });
        let stdout = '';
        c.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
        c.once('close', (code) => resolve({ code, stdout }));
      });
      expect(status.code).toBe(4);
      expect(JSON.parse(status.stdout)).toMatchObject({ state: 'signedOut' });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(existsSync(env.KEYBRIDGE_SOCKET!)).toBe(false);
  });

  it('with --ui prints a loopback link to the browser UI, which answers', async () => {
    const bin = join(root, 'bin', 'keybridge.cjs');
    const child = spawn(process.execPath, [bin, 'serve', '--ui'], {
      env: { PATH: process.env.PATH, ...env },
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      await expect
        .poll(() => stderr, { timeout: 10_000 })
        .toMatch(/Open the Keybridge UI: http:\/\/127\.0\.0\.1:\d+\//);
      const url = /Open the Keybridge UI: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stderr)![1]!;
      expect((await fetch(url)).status).toBe(200);
      // The one-time link is for the terminal only, never the log file.
      const log = await readFile(join(env.KEYBRIDGE_HOME!, 'logs', 'host.log'), 'utf8');
      expect(log).not.toContain('#token=');
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
