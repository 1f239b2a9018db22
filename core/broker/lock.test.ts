import { spawn, spawnSync } from 'node:child_process';
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeybridgeError } from '../errors';
import { acquireHostLock, LOCK_FILE } from './lock';
import { tempDir } from '../../test/support/broker-harness';

let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  tmp = await tempDir('kb-lock-');
});
afterEach(async () => {
  await tmp.cleanup();
});

/** The pid of a process that has certainly exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(r.stdout);
}

describe('acquireHostLock', () => {
  it('writes {pid, startedAt, socketPath} 0600 and releases it', async () => {
    const lock = await acquireHostLock(tmp.dir, { socketPath: '/run/kb.sock' });
    const path = join(tmp.dir, LOCK_FILE);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      pid: process.pid,
      startedAt: expect.any(String),
      socketPath: '/run/kb.sock',
    });
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await lock.release();
    await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
    // Free again: a new host may start.
    await (await acquireHostLock(tmp.dir)).release();
  });

  it('refuses a second host while the first lives, naming its pid and socket', async () => {
    const first = await acquireHostLock(tmp.dir, { socketPath: '/run/first.sock' });
    const second = acquireHostLock(tmp.dir);
    await expect(second).rejects.toBeInstanceOf(KeybridgeError);
    await expect(second).rejects.toMatchObject({
      code: 'host_already_running',
      message: `Keybridge is already running for ${tmp.dir} (pid ${process.pid}, serving /run/first.sock). Stop it first or use another KEYBRIDGE_HOME.`,
    });
    await first.release();
  });

  it('refuses while another live process holds it', async () => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)']);
    try {
      await writeFile(
        join(tmp.dir, LOCK_FILE),
        JSON.stringify({ pid: child.pid, startedAt: 'x', socketPath: '/s' }),
      );
      await expect(acquireHostLock(tmp.dir)).rejects.toMatchObject({
        message: expect.stringContaining(`pid ${child.pid}`),
      });
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('takes over a stale lock whose process is gone, and a lock file that is garbage', async () => {
    const pid = deadPid();
    await writeFile(
      join(tmp.dir, LOCK_FILE),
      JSON.stringify({ pid, startedAt: 'yesterday', socketPath: '/old' }),
    );
    const lock = await acquireHostLock(tmp.dir);
    expect(JSON.parse(await readFile(join(tmp.dir, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    await lock.release();

    await writeFile(join(tmp.dir, LOCK_FILE), 'not json');
    await (await acquireHostLock(tmp.dir)).release();
  });

  it('is released when the host process exits without calling release()', async () => {
    // The real module, bundled for a plain Node child process.
    const bundle = join(tmp.dir, 'lock.cjs');
    await build({
      entryPoints: [join(__dirname, 'lock.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: bundle,
      logLevel: 'silent',
    });
    const home = join(tmp.dir, 'home');
    const script = `require(${JSON.stringify(bundle)}).acquireHostLock(${JSON.stringify(home)}).then(() => {
      console.log(require('fs').existsSync(${JSON.stringify(join(home, LOCK_FILE))}));
      process.exit(0);
    });`;
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe('true');
    expect(r.status).toBe(0);
    await expect(stat(join(home, LOCK_FILE))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
