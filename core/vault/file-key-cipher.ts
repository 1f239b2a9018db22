/**
 * The fallback cipher when no OS keyring is reachable (a headless server, a container): a random 32-byte
 * key in its own file, `vault.key`, beside the vault. This keeps the tokens out of backups and casual
 * `cat`s of the vault, but it is not protection against anyone who can read the user's files — `info` says so.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import type { StorageInfo } from '../api/contract';
import { KeybridgeError } from '../errors';
import { fsyncDir } from './atomic-write';
import { ensurePrivateDir } from './private-dir';
import { SEALED_KEY_BYTES, createSealedCipher } from './sealed';
import type { Cipher } from './types';

export const KEY_FILE_NAME = 'vault.key';

export const FILE_KEY_INFO: StorageInfo = {
  kind: 'file-key',
  protected: false,
  description:
    'Encrypted with a key file beside the vault (no OS keyring available); anyone who can read your files can read the tokens.',
};

function keyFileError(path: string, e: unknown): KeybridgeError {
  const reason = e instanceof Error ? e.message : String(e);
  return new KeybridgeError(
    'cipher_unavailable',
    `The vault key file ${path} could not be read or created (${reason}). Check that the data folder is writable by you.`,
    { cause: e },
  );
}

async function readKey(path: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw keyFileError(path, e);
  }
}

/**
 * Creates the key file so that no reader ever sees it half-written and no writer replaces another's key:
 * the bytes go to an O_EXCL temp file (fsynced), which is then hard-linked to `vault.key` — link(2) fails
 * with EEXIST instead of replacing, so when two processes race, the first key wins and both use it.
 */
async function createKey(dir: string, path: string): Promise<void> {
  const temp = join(dir, `.${KEY_FILE_NAME}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  const key = randomBytes(SEALED_KEY_BYTES);
  try {
    const handle = await fs.open(temp, 'wx', 0o600);
    try {
      await handle.chmod(0o600);
      await handle.writeFile(key);
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await fs.link(temp, path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    await fsyncDir(dir);
  } finally {
    key.fill(0);
    await fs.rm(temp, { force: true }).catch(() => undefined);
  }
}

/** Moves a damaged key file aside (never deletes it) so a fresh key can be made. */
async function moveKeyAside(dir: string, path: string): Promise<void> {
  const stamp = new Date().toISOString().replace(/:/g, '');
  await fs.rename(path, join(dir, `${KEY_FILE_NAME}.broken-${stamp}`));
}

/**
 * A cipher whose key lives in `<dir>/vault.key` (0600, folder 0700), made on first use.
 * A damaged key file (wrong length) is moved aside and replaced: the vault it sealed is then unreadable and
 * the Vault reports that, which is better than refusing to start.
 */
export async function createFileKeyCipher(dir: string): Promise<Cipher> {
  const path = join(dir, KEY_FILE_NAME);
  try {
    await ensurePrivateDir(dir);
  } catch (e) {
    throw keyFileError(path, e);
  }
  let key = await readKey(path);
  if (key !== null && key.length !== SEALED_KEY_BYTES) {
    key.fill(0);
    key = null;
    await moveKeyAside(dir, path).catch((e) => {
      throw keyFileError(path, e);
    });
  }
  if (key === null) {
    try {
      await createKey(dir, path);
    } catch (e) {
      throw keyFileError(path, e);
    }
    key = await readKey(path);
    if (key === null || key.length !== SEALED_KEY_BYTES) {
      throw keyFileError(path, new Error('the key file changed while it was being created'));
    }
  }
  if (process.platform !== 'win32') {
    // A key file someone made readable to others is narrowed back; the key itself is still usable.
    const stat = await fs.stat(path).catch(() => null);
    if (stat && (stat.mode & 0o077) !== 0) await fs.chmod(path, 0o600).catch(() => undefined);
  }
  try {
    return createSealedCipher(key, FILE_KEY_INFO);
  } finally {
    key.fill(0);
  }
}
