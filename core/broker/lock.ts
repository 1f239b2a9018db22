/**
 * One host per data folder (docs/security.md "The refresh token never leaves the host"): two hosts would each
 * refresh, and OpenAI's refresh tokens are single-use, so the second refresh would end both sessions. The
 * lock is a file `host.lock` holding `{pid, startedAt, socketPath}`, created atomically (written to a private
 * temporary file, then hard-linked into place, which fails with EEXIST like O_EXCL — and never shows a
 * half-written lock).
 */
import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KeybridgeError } from '../errors';

export const LOCK_FILE = 'host.lock';

export interface LockInfo {
  pid: number;
  startedAt: string;
  socketPath?: string;
}

export interface HostLock {
  readonly path: string;
  readonly info: LockInfo;
  release(): Promise<void>;
}

export async function acquireHostLock(home: string, opts: { socketPath?: string } = {}): Promise<HostLock> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const path = join(home, LOCK_FILE);
  const info: LockInfo = {
    pid: process.pid,
    startedAt: new Date().toISOString(),
    socketPath: opts.socketPath,
  };
  const content = JSON.stringify(info) + '\n';
  const temp = join(home, `.${LOCK_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}`);
  await writeFile(temp, content, { mode: 0o600, flag: 'wx' });
  try {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await link(temp, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 3) throw e;
      }
      const existing = await readLock(path);
      if (existing.info && isAlive(existing.info.pid)) {
        const serving = existing.info.socketPath ? `, serving ${existing.info.socketPath}` : '';
        throw new KeybridgeError(
          'host_already_running',
          `Keybridge is already running for ${home} (pid ${existing.info.pid}${serving}). Stop it first or use another KEYBRIDGE_HOME.`,
        );
      }
      // Stale: its process is gone (or the file is not a lock at all). Remove it only if it is still the very
      // file we judged, so a host that took it over meanwhile keeps its lock.
      if (existing.text !== undefined && (await readLock(path)).text === existing.text) {
        await unlink(path).catch(() => {});
      }
    }
  } finally {
    await unlink(temp).catch(() => {});
  }

  let released = false;
  const releaseSync = () => {
    if (released) return;
    released = true;
    try {
      if (existsSync(path) && readFileSync(path, 'utf8') === content) unlinkSync(path);
    } catch {
      // Best effort: a stale lock is taken over by the next host anyway.
    }
  };
  process.once('exit', releaseSync);
  return {
    path,
    info,
    async release() {
      process.off('exit', releaseSync);
      releaseSync();
    },
  };
}

async function readLock(path: string): Promise<{ text?: string; info?: LockInfo }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const json = JSON.parse(text) as Partial<LockInfo>;
    if (typeof json.pid === 'number' && Number.isInteger(json.pid) && json.pid > 0) {
      return {
        text,
        info: { pid: json.pid, startedAt: String(json.startedAt ?? ''), socketPath: json.socketPath },
      };
    }
  } catch {
    // Not JSON: not a lock we can honour.
  }
  return { text };
}

/** Signal 0 checks existence only (POSIX kill(2)); EPERM means it exists but belongs to someone else. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
