import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeybridgeError } from '../errors';
import { createFileKeyCipher } from './file-key-cipher';
import { createSealedCipher } from './sealed';
import { sessionFor, sessionNumber } from '../../test/support/vault-fixtures';
import type { Cipher, StoredSession } from './types';
import { Vault, readVaultCipherKind } from './vault';
import { activeSession, singleAccount } from './contents';
import { copyLegacyFixture, legacySession, writeLegacyVault } from '../../test/support/legacy-vault';

let root: string;
let dir: string;
beforeEach(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kb-vault-'));
  dir = join(root, 'data'); // not created yet: the vault makes it
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

const mode = async (p: string) => (await fs.stat(p)).mode & 0o777;
const brokenFiles = async () => (await fs.readdir(dir)).filter((n) => /^vault\.broken-.*\.bin$/.test(n));

/** Distinct random tokens, so a match on disk cannot be a coincidence of padding. */
function randomSession(): StoredSession {
  const tok = () => randomBytes(48).toString('base64url');
  return {
    version: 1,
    accessToken: `eyJ${tok()}`,
    refreshToken: `rt_${tok()}`,
    idToken: `eyJ${tok()}`,
    expiresAt: Date.now() + 3_600_000,
    obtainedAt: Date.now(),
  };
}

async function expectUnreadable(p: Promise<unknown>): Promise<KeybridgeError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KeybridgeError);
  expect((e as KeybridgeError).code).toBe('vault_unreadable');
  return e as KeybridgeError;
}

describe('Vault', () => {
  it('returns null when there is no vault (and no folder)', async () => {
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(join(root, 'keys')) });
    expect(activeSession(await vault.load())).toBeNull();
    expect(vault.path).toBe(join(dir, 'vault.bin'));
  });

  it('round-trips a session, also through a new Vault and cipher (a restart)', async () => {
    const s = randomSession();
    await new Vault({ dir, cipher: await createFileKeyCipher(dir) }).save(singleAccount(s));
    const again = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
    expect(activeSession(await again.load())).toEqual(s);
    const { idToken: _omit, ...withoutId } = s;
    await again.save(singleAccount(withoutId));
    expect(activeSession(await again.load())).toEqual(withoutId);
  });

  it('keeps the vault 0600 in a 0700 folder, and narrows a folder that was open to others', async () => {
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
    await vault.save(singleAccount(randomSession()));
    expect(await mode(vault.path)).toBe(0o600);
    expect(await mode(dir)).toBe(0o700);
    await fs.chmod(dir, 0o755);
    await vault.save(singleAccount(randomSession()));
    expect(await mode(dir)).toBe(0o700);
  });

  it('never has the access or refresh token on disk in plain text or base64', async () => {
    const s = randomSession();
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
    await vault.save(singleAccount(s));
    const files = await fs.readdir(dir);
    for (const name of files) {
      const text = (await fs.readFile(join(dir, name))).toString('latin1');
      for (const token of [s.accessToken, s.refreshToken, s.idToken!]) {
        expect(text.includes(token), `${name} holds a token`).toBe(false);
        // Base64 of a token inside other bytes starts at one of 3 alignments; a long inner slice catches each.
        for (const lead of ['', 'x', 'xx']) {
          for (const enc of ['base64', 'base64url'] as const) {
            const inner = Buffer.from(lead + token)
              .toString(enc)
              .slice(8, 48);
            expect(text.includes(inner), `${name} holds a token in ${enc}`).toBe(false);
          }
        }
      }
      expect(text).not.toContain('refreshToken');
    }
    expect(await readVaultCipherKind(vault.path)).toBe('file-key');
  });

  it('moves a corrupted vault aside with its bytes intact, reports it, then starts fresh', async () => {
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
    await vault.save(singleAccount(randomSession()));
    const bytes = await fs.readFile(vault.path);
    bytes[bytes.length - 5]! ^= 0xff;
    await fs.writeFile(vault.path, bytes);

    const e = await expectUnreadable(vault.load());
    const [broken] = await brokenFiles();
    expect(broken).toMatch(/^vault\.broken-\d{4}-\d\d-\d\dT\d{6}\.\d{3}Z\.bin$/);
    expect(e.message).toContain('could not be read');
    expect(e.message).toContain(join(dir, broken!));
    expect(e.message).toContain('Sign in again');
    expect((await fs.readFile(join(dir, broken!))).equals(bytes)).toBe(true);
    expect(activeSession(await vault.load())).toBeNull();

    // A second broken vault in the same millisecond does not overwrite the first one.
    await vault.save(singleAccount(randomSession()));
    await fs.writeFile(vault.path, 'garbage');
    await expectUnreadable(vault.load());
    expect(await brokenFiles()).toHaveLength(2);
  });

  it('reports a vault sealed with another key (same kind) as unreadable and moves it aside', async () => {
    await new Vault({ dir, cipher: await createFileKeyCipher(dir) }).save(singleAccount(randomSession()));
    const otherKey = await createFileKeyCipher(join(root, 'elsewhere'));
    const vault = new Vault({ dir, cipher: otherKey });
    const e = await expectUnreadable(vault.load());
    expect(e.message).toContain('did not decrypt');
    expect(await brokenFiles()).toHaveLength(1);
    expect(activeSession(await vault.load())).toBeNull();
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['cut inside the header', Buffer.from('KBVAU')],
    ['header only', Buffer.from('KBVAULT\x01\x08file-key', 'latin1')],
    ['not a vault', Buffer.from('{"accessToken":"x"}')],
  ])('treats a %s file as unreadable and moves it aside intact', async (_label, bytes) => {
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
    await fs.writeFile(vault.path, bytes);
    await expectUnreadable(vault.load());
    const [broken] = await brokenFiles();
    expect((await fs.readFile(join(dir, broken!))).equals(bytes)).toBe(true);
    expect(activeSession(await vault.load())).toBeNull();
  });

  it('treats a truncated vault as unreadable', async () => {
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
    await vault.save(singleAccount(randomSession()));
    const bytes = await fs.readFile(vault.path);
    await fs.writeFile(vault.path, bytes.subarray(0, bytes.length - 20));
    await expectUnreadable(vault.load());
    expect(activeSession(await vault.load())).toBeNull();
  });

  it('rejects decrypted contents that are not a valid session', async () => {
    const cipher = await createFileKeyCipher(dir);
    const vault = new Vault({ dir, cipher });
    // Sealed correctly by the same cipher, but the JSON lacks the refresh token.
    await vault.save(singleAccount(randomSession()));
    const good = await fs.readFile(vault.path);
    const headerLength = 9 + 'file-key'.length;
    const sealed = await cipher.encrypt(
      Buffer.from(JSON.stringify({ version: 1, accessToken: 'a', expiresAt: 1, obtainedAt: 1 })),
    );
    await fs.writeFile(vault.path, Buffer.concat([good.subarray(0, headerLength), sealed]));
    const e = await expectUnreadable(vault.load());
    expect(e.message).toContain('not a valid session');
  });

  it('refuses to save a malformed session without naming its values', async () => {
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
    const bad = { ...randomSession(), accessToken: '' };
    await expect(vault.save(singleAccount(bad))).rejects.toMatchObject({
      code: 'internal',
      message: expect.stringContaining('accessToken'),
    });
    expect(activeSession(await vault.load())).toBeNull();
  });

  it('ignores a stray temp file left by a crashed writer and cleans it on the next save', async () => {
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
    const first = randomSession();
    await vault.save(singleAccount(first));
    const stray = join(dir, '.vault.bin.999999999.0123456789ab.tmp'); // above any pid_max: its writer is gone
    await fs.writeFile(stray, 'half-written');
    expect(activeSession(await vault.load())).toEqual(first);
    await vault.save(singleAccount(randomSession()));
    await expect(fs.access(stray)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('serializes concurrent saves: the last one called wins', async () => {
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
    const sessions = Array.from({ length: 20 }, (_, i) => sessionFor(i));
    await Promise.all(sessions.map((s) => vault.save(singleAccount(s))));
    expect(sessionNumber(activeSession(await vault.load())!)).toBe(19);
    expect((await fs.readdir(dir)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('clear() removes the vault and is idempotent; a clear after a save is not undone by it', async () => {
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
    await vault.clear(); // nothing there yet
    const saving = vault.save(singleAccount(randomSession()));
    const clearing = vault.clear();
    await Promise.all([saving, clearing]);
    expect(activeSession(await vault.load())).toBeNull();
    await vault.clear();
    await expect(fs.access(vault.path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  describe('a vault sealed by another kind of cipher', () => {
    const fakeKeyring = (): Cipher =>
      createSealedCipher(randomBytes(32), {
        kind: 'os-keyring',
        protected: true,
        description: 'test keyring',
      });

    it('is reported with the reason, kept in place (it may open later), and moved aside, not overwritten, by the next save', async () => {
      const keyringCipher = fakeKeyring();
      const original = randomSession();
      await new Vault({ dir, cipher: keyringCipher }).save(singleAccount(original));
      const bytes = await fs.readFile(join(dir, 'vault.bin'));

      const fileKeyVault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
      const e = await expectUnreadable(fileKeyVault.load());
      expect(e.message).toContain('OS keyring');
      expect(e.message).toContain('sign in again');
      expect(await brokenFiles()).toEqual([]);
      // Still there for the cipher that sealed it.
      expect(activeSession(await new Vault({ dir, cipher: keyringCipher }).load())).toEqual(original);

      const fresh = randomSession();
      await fileKeyVault.save(singleAccount(fresh));
      expect(activeSession(await fileKeyVault.load())).toEqual(fresh);
      const [aside] = await brokenFiles();
      expect((await fs.readFile(join(dir, aside!))).equals(bytes)).toBe(true);
    });

    it('a cipher that cannot work right now does not get the vault moved aside', async () => {
      const sealer = fakeKeyring();
      await new Vault({ dir, cipher: sealer }).save(singleAccount(randomSession()));
      const down: Cipher = {
        info: sealer.info,
        encrypt: () => Promise.reject(new KeybridgeError('cipher_unavailable', 'down')),
        decrypt: () => Promise.reject(new KeybridgeError('cipher_unavailable', 'down')),
      };
      await expectUnreadable(new Vault({ dir, cipher: down }).load());
      expect(await brokenFiles()).toEqual([]);
      expect(activeSession(await new Vault({ dir, cipher: sealer }).load())).not.toBeNull();
    });
  });

  it('honours a custom file name, also for the moved-aside copy', async () => {
    const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir), fileName: 'tokens.dat' });
    await vault.save(singleAccount(randomSession()));
    expect(vault.path).toBe(join(dir, 'tokens.dat'));
    await fs.writeFile(vault.path, 'x');
    await expectUnreadable(vault.load());
    expect((await fs.readdir(dir)).some((n) => /^tokens\.broken-.*\.dat$/.test(n))).toBe(true);
  });

  describe('several accounts', () => {
    it('opens a vault written in the one-session format (the committed fixture) and migrates it without loss', async () => {
      await copyLegacyFixture(dir);
      const before = await fs.readFile(join(dir, 'vault.bin'));
      const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
      const contents = await vault.load();
      expect(contents).toEqual({
        version: 2,
        activeAccountId: 'acc-legacy',
        accounts: { 'acc-legacy': { session: legacySession } },
      });
      // Written back in the new format at once: the next start reads version 2, the same session.
      expect(await fs.readFile(join(dir, 'vault.bin'))).not.toEqual(before);
      expect(await new Vault({ dir, cipher: await createFileKeyCipher(dir) }).load()).toEqual(contents);
      expect(await brokenFiles()).toEqual([]);
    });

    it('keys a migrated session that names no account id as "default"', async () => {
      const s = randomSession();
      await writeLegacyVault(dir, s);
      const contents = await new Vault({ dir, cipher: await createFileKeyCipher(dir) }).load();
      expect(contents).toEqual({
        version: 2,
        activeAccountId: 'default',
        accounts: { default: { session: s } },
      });
    });

    it('round-trips several accounts and the active one', async () => {
      const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
      const contents = {
        version: 2 as const,
        activeAccountId: 'acc-b',
        accounts: {
          'acc-a': { session: randomSession(), lastUsedAt: 1 },
          'acc-b': { session: randomSession(), lastUsedAt: 2 },
        },
      };
      await vault.save(contents);
      expect(await new Vault({ dir, cipher: await createFileKeyCipher(dir) }).load()).toEqual(contents);
    });

    it('refuses to save an active account that is not among the accounts', async () => {
      const vault = new Vault({ dir, cipher: await createFileKeyCipher(dir) });
      await expect(
        vault.save({ version: 2, activeAccountId: 'nobody', accounts: { a: { session: randomSession() } } }),
      ).rejects.toMatchObject({ code: 'internal', message: expect.stringContaining('activeAccountId') });
    });
  });
});
