/**
 * The vault: the one file that holds the refresh token, sealed by a Cipher and replaced atomically.
 *
 * File layout (format 1):
 *
 *   offset 0   7 bytes  "KBVAULT"
 *   offset 7   1 byte   format version (1)
 *   offset 8   1 byte   n = length of the cipher kind
 *   offset 9   n bytes  cipher kind (UTF-8, e.g. "os-keyring", "file-key", "safe-storage")
 *   offset 9+n …        the cipher's sealed bytes of the JSON contents (contents.ts: every account, and
 *                       which is active; a single bare session before several accounts, migrated on read)
 *
 * The cipher kind sits in clear so that start-up can pick the cipher that sealed an existing vault
 * (selectNodeCipher) and a vault sealed by a cipher that is not available now is reported, kept, and
 * never overwritten without first being moved aside.
 */
import { promises as fs } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { KeybridgeError, isKeybridgeError } from '../errors';
import { cleanStrayTempFiles, fsyncDir, writeFileAtomic } from './atomic-write';
import { parseVaultJson, VaultContentsSchema } from './contents';
import { ensurePrivateDir } from './private-dir';
import type { Cipher, VaultContents } from './types';

export const VAULT_FILE_NAME = 'vault.bin';

const MAGIC = Buffer.from('KBVAULT', 'ascii');
const FORMAT_VERSION = 1;
const MAX_KIND_BYTES = 64;

export interface VaultOptions {
  dir: string;
  cipher: Cipher;
  /** Default 'vault.bin'. */
  fileName?: string;
}

interface Header {
  kind: string;
  body: Buffer;
}

function encodeHeader(kind: string): Buffer {
  const kindBytes = Buffer.from(kind, 'utf8');
  if (kindBytes.length === 0 || kindBytes.length > MAX_KIND_BYTES) {
    throw new KeybridgeError('internal', `Cipher kind "${kind}" cannot be recorded in the vault.`);
  }
  return Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION, kindBytes.length]), kindBytes]);
}

function parseHeader(bytes: Buffer): Header | null {
  const fixed = MAGIC.length + 2;
  if (bytes.length < fixed || !bytes.subarray(0, MAGIC.length).equals(MAGIC)) return null;
  if (bytes[MAGIC.length] !== FORMAT_VERSION) return null;
  const kindLength = bytes[MAGIC.length + 1] ?? 0;
  if (kindLength === 0 || kindLength > MAX_KIND_BYTES || bytes.length < fixed + kindLength) return null;
  return {
    kind: bytes.subarray(fixed, fixed + kindLength).toString('utf8'),
    body: bytes.subarray(fixed + kindLength),
  };
}

/**
 * The cipher kind recorded in an existing vault file, or null when there is no file or it has no readable
 * header. Reads only the header.
 */
export async function readVaultCipherKind(path: string): Promise<string | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(path, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const buffer = Buffer.alloc(MAGIC.length + 2 + MAX_KIND_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const header = parseHeader(buffer.subarray(0, bytesRead));
    return header?.kind ?? null;
  } finally {
    await handle.close();
  }
}

/** Plain words for a cipher kind, for messages. */
export function describeCipherKind(kind: string): string {
  switch (kind) {
    case 'os-keyring':
      return 'a key in the OS keyring';
    case 'file-key':
      return 'the key file vault.key';
    case 'safe-storage':
      return "the desktop app's system encryption";
    case 'basic-text':
      return "the desktop app's basic storage";
    default:
      return `the "${kind}" cipher`;
  }
}

export class Vault {
  readonly path: string;
  private readonly dir: string;
  private readonly fileName: string;
  private readonly cipher: Cipher;
  /** Every operation runs after the previous one: two quick saves never rename out of order. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(opts: VaultOptions) {
    this.dir = opts.dir;
    this.fileName = opts.fileName ?? VAULT_FILE_NAME;
    if (basename(this.fileName) !== this.fileName) throw new RangeError('fileName must be a plain file name');
    this.path = join(opts.dir, this.fileName);
    this.cipher = opts.cipher;
  }

  /**
   * Every stored account; null when there is no vault. A vault of the single-session format is migrated: read
   * as one active account and written back in the current format. Throws KeybridgeError('vault_unreadable')
   * as described in loadNow.
   */
  load(): Promise<VaultContents | null> {
    return this.serialize(async () => {
      const loaded = await this.loadNow();
      if (loaded?.migrated) {
        // Best effort: should the write fail, the next save writes the new format anyway.
        await this.saveNow(loaded.contents).catch(() => undefined);
      }
      return loaded?.contents ?? null;
    });
  }

  /** Seals and atomically replaces the vault (0600, folder 0700): all accounts in one write. */
  save(contents: VaultContents): Promise<void> {
    return this.serialize(() => this.saveNow(contents));
  }

  /** Removes the vault. Idempotent. (Overwriting before unlinking buys nothing on journaling/COW file systems.) */
  clear(): Promise<void> {
    return this.serialize(() => this.clearNow());
  }

  private serialize<T>(op: () => Promise<T>): Promise<T> {
    const run = this.queue.then(op);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * - missing file → null;
   * - sealed by another cipher kind, or the cipher cannot work right now → vault_unreadable, file left in place
   *   (it may open once that cipher is back; the next save moves it aside rather than overwrite it);
   * - anything else that fails (not a vault, cut short, does not decrypt, not a valid session) →
   *   moved aside to `<name>.broken-<timestamp><ext>` with its bytes intact, then vault_unreadable;
   *   the next load returns null.
   */
  private async loadNow(): Promise<{ contents: VaultContents; migrated: boolean } | null> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new KeybridgeError(
        'vault_unreadable',
        `Your stored sign-in at ${this.path} could not be read (${(e as Error).message}). Check that the file belongs to you, or sign in again to start fresh.`,
        { cause: e },
      );
    }
    const header = parseHeader(bytes);
    if (!header) return this.broken('the file is not a Keybridge vault or was cut short');
    if (header.kind !== this.cipher.info.kind) throw this.otherCipher(header.kind);

    let plain: Buffer;
    try {
      plain = await this.cipher.decrypt(header.body);
    } catch (e) {
      if (isKeybridgeError(e, 'cipher_unavailable')) throw this.otherCipher(header.kind, e);
      return this.broken('it did not decrypt with the current key');
    }
    try {
      let json: unknown;
      try {
        json = JSON.parse(plain.toString('utf8'));
      } catch {
        return this.broken('its contents are not valid JSON');
      }
      const parsed = parseVaultJson(json);
      if (!parsed) return this.broken('its contents are not a valid session');
      return parsed;
    } finally {
      plain.fill(0);
    }
  }

  private async saveNow(contents: VaultContents): Promise<void> {
    const parsed = VaultContentsSchema.safeParse(contents);
    if (!parsed.success) {
      // Only paths: the values may be tokens.
      const where = parsed.error.issues.map((i) => i.path.join('.') || '(root)').join(', ');
      throw new KeybridgeError('internal', `Refusing to save a session with invalid fields: ${where}.`);
    }
    await ensurePrivateDir(this.dir);
    await cleanStrayTempFiles(this.path).catch(() => undefined);
    // Never replace a vault this cipher could not open: keep it beside, as with a broken one.
    const existingKind = await readVaultCipherKind(this.path).catch(() => null);
    if (existingKind !== null && existingKind !== this.cipher.info.kind) await this.moveAside();

    const plain = Buffer.from(JSON.stringify(parsed.data), 'utf8');
    let sealed: Buffer;
    try {
      sealed = await this.cipher.encrypt(plain);
    } finally {
      plain.fill(0);
    }
    await writeFileAtomic(this.path, Buffer.concat([encodeHeader(this.cipher.info.kind), sealed]), 0o600);
  }

  private async clearNow(): Promise<void> {
    try {
      await fs.unlink(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    await fsyncDir(this.dir).catch(() => undefined);
    await cleanStrayTempFiles(this.path).catch(() => undefined);
  }

  /** Renames the vault to `<stem>.broken-<ISO time without colons><ext>` (never deletes); returns the new path. */
  private async moveAside(): Promise<string> {
    const ext = extname(this.fileName);
    const stem = this.fileName.slice(0, this.fileName.length - ext.length);
    const stamp = new Date().toISOString().replace(/:/g, '');
    for (let n = 1; ; n++) {
      const target = join(this.dir, `${stem}.broken-${stamp}${n === 1 ? '' : `-${n}`}${ext}`);
      const taken = await fs.access(target).then(
        () => true,
        () => false,
      );
      if (taken) continue;
      await fs.rename(this.path, target);
      await fsyncDir(this.dir).catch(() => undefined);
      return target;
    }
  }

  private async broken(reason: string): Promise<never> {
    let where: string;
    try {
      where = `The file was moved to ${await this.moveAside()}`;
    } catch (e) {
      where = `It could not be moved aside (${(e as Error).message}) and stays at ${this.path}`;
    }
    throw new KeybridgeError(
      'vault_unreadable',
      `Your stored sign-in could not be read: ${reason}. ${where}. Sign in again to start fresh.`,
    );
  }

  private otherCipher(kind: string, cause?: unknown): KeybridgeError {
    const now = this.cipher.info.kind;
    const why =
      kind === now
        ? `${describeCipherKind(kind)} cannot be used right now`
        : `it was sealed with ${describeCipherKind(kind)}, and Keybridge is using ${describeCipherKind(now)} now`;
    return new KeybridgeError(
      'vault_unreadable',
      `Your stored sign-in at ${this.path} could not be read: ${why}. The file is kept as it is: start Keybridge again ` +
        'once that is available, or sign in again to start fresh (the old file is then moved aside, not deleted).',
      cause === undefined ? {} : { cause },
    );
  }
}
