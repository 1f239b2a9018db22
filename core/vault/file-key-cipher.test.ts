import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FILE_KEY_INFO, createFileKeyCipher } from './file-key-cipher';

let root: string;
let dir: string;
beforeEach(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kb-filekey-'));
  dir = join(root, 'data');
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;

describe('createFileKeyCipher', () => {
  it('makes a 32-byte key file 0600 in a 0700 folder and says honestly what it protects against', async () => {
    const cipher = await createFileKeyCipher(dir);
    const key = await fs.readFile(join(dir, 'vault.key'));
    expect(key.length).toBe(32);
    expect(await mode(join(dir, 'vault.key'))).toBe(0o600);
    expect(await mode(dir)).toBe(0o700);
    expect(cipher.info).toEqual(FILE_KEY_INFO);
    expect(cipher.info).toMatchObject({ kind: 'file-key', protected: false });
    expect(cipher.info.description).toMatch(/anyone who can read your files can read the tokens/);
    expect(await fs.readdir(dir)).toEqual(['vault.key']); // no temp file left
  });

  it('reuses the key on the next start: what one instance sealed the next one opens', async () => {
    const sealed = await (await createFileKeyCipher(dir)).encrypt(Buffer.from('tokens'));
    const keyBefore = await fs.readFile(join(dir, 'vault.key'));
    const again = await createFileKeyCipher(dir);
    expect((await again.decrypt(sealed)).toString()).toBe('tokens');
    expect((await fs.readFile(join(dir, 'vault.key'))).equals(keyBefore)).toBe(true);
  });

  it('two processes starting at once agree on one key (the first one written wins)', async () => {
    const ciphers = await Promise.all(Array.from({ length: 8 }, () => createFileKeyCipher(dir)));
    const sealed = await ciphers[0]!.encrypt(Buffer.from('same key'));
    for (const c of ciphers) expect((await c.decrypt(sealed)).toString()).toBe('same key');
    expect(await fs.readdir(dir)).toEqual(['vault.key']);
  });

  it('narrows a key file that was made readable to others', async () => {
    await createFileKeyCipher(dir);
    await fs.chmod(join(dir, 'vault.key'), 0o644);
    await createFileKeyCipher(dir);
    expect(await mode(join(dir, 'vault.key'))).toBe(0o600);
  });

  it('moves a damaged key file aside (never deletes it) and makes a new key', async () => {
    await fs.mkdir(dir, { recursive: true });
    await fs.writeFile(join(dir, 'vault.key'), 'short');
    const cipher = await createFileKeyCipher(dir);
    const names = await fs.readdir(dir);
    const aside = names.find((n) => n.startsWith('vault.key.broken-'));
    expect(aside).toBeDefined();
    expect(await fs.readFile(join(dir, aside!), 'utf8')).toBe('short');
    expect((await fs.readFile(join(dir, 'vault.key'))).length).toBe(32);
    expect((await cipher.decrypt(await cipher.encrypt(Buffer.from('ok')))).toString()).toBe('ok');
  });

  it('fails with cipher_unavailable and a next step when the folder cannot be used', async () => {
    const file = join(root, 'a-file');
    await fs.writeFile(file, '');
    await expect(createFileKeyCipher(join(file, 'data'))).rejects.toMatchObject({
      code: 'cipher_unavailable',
      message: expect.stringContaining('writable'),
    });
  });
});
