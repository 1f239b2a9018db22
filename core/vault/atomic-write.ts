/**
 * Crash-safe file replacement: a reader (or the next start after a kill or power loss) sees the old file or
 * the new one, never a mix. Generic on purpose: the vault and the Codex `auth.json` writer both use it.
 *
 * Steps: write a temp file in the same folder (a rename is only atomic within one file system), fsync it
 * (its bytes are on disk before its name is), rename it over the target (POSIX rename(2) replaces atomically),
 * then fsync the folder (the rename itself survives a power loss).
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const TEMP_SUFFIX = '.tmp';

/** Temp files of `target` are named `.<name>.<pid>.<random>.tmp`, so a later writer can tell whose they were. */
function tempName(target: string): string {
  return `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
}

function tempPattern(target: string): RegExp {
  const name = basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^\\.${name}\\.(\\d+)\\.[0-9a-f]+\\.tmp$`);
}

/** Flushes a folder's entries (renames, unlinks). Windows cannot open folders for fsync: skipped there. */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `data` atomically; the file gets `mode` (default 0600) whatever the umask.
 * The folder must exist.
 */
export async function writeFileAtomic(path: string, data: Buffer | string, mode = 0o600): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, tempName(path));
  // 'wx' = O_CREAT|O_EXCL: never follows or reuses a file someone else put at the temp name.
  const handle = await fs.open(temp, 'wx', mode);
  try {
    try {
      await handle.chmod(mode); // open(2)'s mode is filtered by the umask; chmod is not.
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, path);
  } catch (e) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dir);
}

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temp files that a crashed or killed writer of `path` left behind. A temp file is stray when the
 * process named in it is gone, or when it is older than `maxAgeMs` (the pid may have been reused).
 * Temp files of this process are left alone: callers serialize their own writes. Returns the names removed.
 */
export async function cleanStrayTempFiles(path: string, maxAgeMs = 10 * 60_000): Promise<string[]> {
  const dir = dirname(path);
  const pattern = tempPattern(path);
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (!match) continue;
    const pid = Number(match[1]);
    if (pid === process.pid) continue;
    let stray = !processIsAlive(pid);
    if (!stray) {
      const stat = await fs.stat(join(dir, name)).catch(() => null);
      stray = stat !== null && Date.now() - stat.mtimeMs > maxAgeMs;
    }
    if (stray) {
      await fs.rm(join(dir, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}
