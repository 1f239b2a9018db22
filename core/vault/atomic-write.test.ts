import { spawnSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanStrayTempFiles, writeFileAtomic } from './atomic-write';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(join(tmpdir(), 'kb-atomic-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;

/** A pid that surely belongs to no running process: a child that has already exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
  return Number(child.stdout);
}

describe('writeFileAtomic', () => {
  it('creates and replaces a file, 0600 by default, leaving no temp file', async () => {
    const path = join(dir, 'auth.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, Buffer.from('two'));
    expect(await fs.readFile(path, 'utf8')).toBe('two');
    expect(await mode(path)).toBe(0o600);
    expect(await fs.readdir(dir)).toEqual(['auth.json']);
  });

  it('gives the mode asked for whatever the umask, and narrows a file that was wider', async () => {
    const path = join(dir, 'f');
    await fs.writeFile(path, 'old', { mode: 0o666 });
    await fs.chmod(path, 0o666);
    await writeFileAtomic(path, 'new');
    expect(await mode(path)).toBe(0o600);
    const old = process.umask(0o077);
    try {
      await writeFileAtomic(path, 'shared', 0o644);
    } finally {
      process.umask(old);
    }
    expect(await mode(path)).toBe(0o644);
  });

  it('fails without touching the target when the folder is missing', async () => {
    await expect(writeFileAtomic(join(dir, 'nope', 'f'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('cleanStrayTempFiles', () => {
  it('removes temp files of dead writers and keeps live ones and unrelated files', async () => {
    const path = join(dir, 'vault.bin');
    const dead = `.vault.bin.${deadPid()}.abcdef.tmp`;
    const live = `.vault.bin.${process.ppid}.abcdef.tmp`; // our parent is alive
    const other = `.other.bin.${deadPid()}.abcdef.tmp`;
    for (const name of [dead, live, other, 'vault.bin']) await fs.writeFile(join(dir, name), 'x');
    expect(await cleanStrayTempFiles(path)).toEqual([dead]);
    expect((await fs.readdir(dir)).sort()).toEqual([live, other, 'vault.bin'].sort());
  });

  it('removes a live-pid temp file once it is older than the limit (the pid may be reused)', async () => {
    const path = join(dir, 'vault.bin');
    const live = `.vault.bin.${process.ppid}.abcdef.tmp`;
    await fs.writeFile(join(dir, live), 'x');
    const hourAgo = new Date(Date.now() - 3_600_000);
    await fs.utimes(join(dir, live), hourAgo, hourAgo);
    expect(await cleanStrayTempFiles(path)).toEqual([live]);
  });
});
