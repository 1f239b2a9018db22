import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeybridgeError } from '../errors';
import { FILE_KEY_INFO, createFileKeyCipher } from './file-key-cipher';
import { KEYRING_INFO, createKeyringCipher, deleteKeyringKey, keyringAccountFor } from './keyring-cipher';
import { createSealedCipher } from './sealed';
import { selectNodeCipher } from './select-cipher';
import { activeSession, singleAccount } from './contents';
import { Vault } from './vault';

let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(join(tmpdir(), 'kb-keyring-'));
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});

/** An environment whose session bus address leads nowhere: no keyring can be reached. */
const noBus = () => ({
  ...process.env,
  DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(root, 'no-such-bus')}`,
  KEYBRIDGE_CIPHER: undefined,
});

/** A "D-Bus" that accepts connections and never answers: the hung-bus case. */
async function hungBus(): Promise<{
  address: string;
  connections: () => number;
  close: () => Promise<void>;
}> {
  const path = join(root, 'hung-bus');
  const sockets: net.Socket[] = [];
  const server = net.createServer((s) => sockets.push(s));
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    address: `unix:path=${path}`,
    connections: () => sockets.length,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const session = () => ({
  version: 1 as const,
  accessToken: randomBytes(24).toString('base64url'),
  refreshToken: randomBytes(24).toString('base64url'),
  expiresAt: Date.now() + 3_600_000,
  obtainedAt: Date.now(),
});

// Whether this machine has a reachable keyring at all (decided once, before the tests are collected).
const probeAccount = `probe-${process.pid}-${randomBytes(4).toString('hex')}`;
const keyringProbe = await createKeyringCipher({ service: 'KeybridgeTest', account: probeAccount }).then(
  () => null,
  (e: unknown) => (e instanceof Error ? e.message : String(e)),
);
if (keyringProbe === null) await deleteKeyringKey({ service: 'KeybridgeTest', account: probeAccount });
else
  console.log(
    `[keyring-cipher.test] no OS keyring reachable here, real-keyring round trip skipped: ${keyringProbe}`,
  );

describe('createKeyringCipher without a keyring', () => {
  it('fails fast with cipher_unavailable and a next step when the session bus leads nowhere', async () => {
    const started = Date.now();
    const e = await createKeyringCipher({ env: noBus() }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(KeybridgeError);
    expect(e).toMatchObject({ code: 'cipher_unavailable' });
    expect((e as Error).message).toContain('KEYBRIDGE_CIPHER=file-key');
    expect(Date.now() - started).toBeLessThan(2_500);
  });

  it('gives up on a hung D-Bus within its timeout, without blocking the event loop', async () => {
    const bus = await hungBus();
    try {
      let ticks = 0;
      const ticker = setInterval(() => ticks++, 50);
      const started = Date.now();
      const e = await createKeyringCipher({
        env: { ...noBus(), DBUS_SESSION_BUS_ADDRESS: bus.address },
        timeoutMs: 1_000,
      }).catch((err: unknown) => err);
      const elapsed = Date.now() - started;
      clearInterval(ticker);
      expect(e).toMatchObject({
        code: 'cipher_unavailable',
        message: expect.stringContaining('no answer within 1000 ms'),
      });
      expect(bus.connections()).toBeGreaterThan(0); // it really was the bus that hung
      expect(elapsed).toBeGreaterThanOrEqual(950);
      expect(elapsed).toBeLessThan(2_500);
      expect(ticks).toBeGreaterThanOrEqual(10); // timers kept firing while the keyring hung
    } finally {
      await bus.close();
    }
  });

  it('uses one keyring entry per data folder', () => {
    expect(keyringAccountFor(join(root, 'a'))).not.toBe(keyringAccountFor(join(root, 'b')));
    expect(keyringAccountFor(join(root, 'a'))).toBe(keyringAccountFor(join(root, 'a', '..', 'a')));
    expect(keyringAccountFor(root)).toMatch(/^vault-key:[0-9a-f]{16}$/);
  });
});

describe('selectNodeCipher', () => {
  it('falls back to the file key, with honest info, when no keyring is reachable', async () => {
    const lines: string[] = [];
    const dir = join(root, 'data');
    const cipher = await selectNodeCipher(dir, { env: noBus(), log: (l) => lines.push(l) });
    expect(cipher.info).toEqual(FILE_KEY_INFO);
    expect(cipher.info.protected).toBe(false);
    expect(lines.join('\n')).toMatch(/using a key file because the OS keyring is not available/);
    await fs.access(join(dir, 'vault.key'));
  });

  it('KEYBRIDGE_CIPHER=keyring with no keyring is an error, not a silent fallback', async () => {
    const dir = join(root, 'data');
    await expect(
      selectNodeCipher(dir, { env: { ...noBus(), KEYBRIDGE_CIPHER: 'keyring' } }),
    ).rejects.toMatchObject({
      code: 'cipher_unavailable',
      message: expect.stringContaining('KEYBRIDGE_CIPHER=keyring is set'),
    });
    await expect(fs.access(join(dir, 'vault.key'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('KEYBRIDGE_CIPHER=file-key never asks the keyring; a bad value is a config error', async () => {
    const bus = await hungBus();
    try {
      const env = { ...noBus(), DBUS_SESSION_BUS_ADDRESS: bus.address, KEYBRIDGE_CIPHER: 'file-key' };
      const cipher = await selectNodeCipher(join(root, 'data'), { env });
      expect(cipher.info.kind).toBe('file-key');
      expect(bus.connections()).toBe(0);
      await expect(
        selectNodeCipher(join(root, 'data'), { env: { ...env, KEYBRIDGE_CIPHER: 'plain' } }),
      ).rejects.toMatchObject({
        code: 'config_invalid',
      });
    } finally {
      await bus.close();
    }
  });

  it('prefer: file-key skips the keyring when no vault exists', async () => {
    const bus = await hungBus();
    try {
      const env = { ...noBus(), DBUS_SESSION_BUS_ADDRESS: bus.address };
      const cipher = await selectNodeCipher(join(root, 'data'), { env, prefer: 'file-key' });
      expect(cipher.info.kind).toBe('file-key');
      expect(bus.connections()).toBe(0);
    } finally {
      await bus.close();
    }
  });

  it('keeps the file key for a vault it sealed, without consulting a keyring (even a hung one)', async () => {
    const dir = join(root, 'data');
    const s = session();
    await new Vault({ dir, cipher: await createFileKeyCipher(dir) }).save(singleAccount(s));
    const bus = await hungBus();
    try {
      const started = Date.now();
      const cipher = await selectNodeCipher(dir, {
        env: { ...noBus(), DBUS_SESSION_BUS_ADDRESS: bus.address },
      });
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(bus.connections()).toBe(0);
      expect(activeSession(await new Vault({ dir, cipher }).load())).toEqual(s);
    } finally {
      await bus.close();
    }
  });

  it('a keyring vault whose keyring is gone: file key for new sign-ins, the old vault reported and kept', async () => {
    const dir = join(root, 'data');
    // Sealed as the keyring cipher would seal it (same kind, a key we then "lose").
    const gone = createSealedCipher(randomBytes(32), KEYRING_INFO);
    await new Vault({ dir, cipher: gone }).save(singleAccount(session()));
    const lines: string[] = [];
    const cipher = await selectNodeCipher(dir, { env: noBus(), log: (l) => lines.push(l) });
    expect(cipher.info.kind).toBe('file-key');
    expect(lines.join('\n')).toContain('sealed with a key in the OS keyring, which is not available now');
    const vault = new Vault({ dir, cipher });
    await expect(vault.load()).rejects.toMatchObject({
      code: 'vault_unreadable',
      message: expect.stringContaining('OS keyring'),
    });
    const fresh = session();
    await vault.save(singleAccount(fresh));
    expect(activeSession(await vault.load())).toEqual(fresh);
    expect((await fs.readdir(dir)).filter((n) => n.startsWith('vault.broken-'))).toHaveLength(1);
  });
});

describe('with a reachable OS keyring', () => {
  const service = 'KeybridgeTest';
  const account = `test-${process.pid}-${randomBytes(4).toString('hex')}`;

  it.skipIf(keyringProbe !== null)(
    'creates a key on first use, reuses it, and seals a vault with it',
    async () => {
      try {
        const first = await createKeyringCipher({ service, account });
        expect(first.info).toEqual(KEYRING_INFO);
        const dir = join(root, 'data');
        const s = session();
        await new Vault({ dir, cipher: first }).save(singleAccount(s));
        const second = await createKeyringCipher({ service, account });
        expect(activeSession(await new Vault({ dir, cipher: second }).load())).toEqual(s);
        await expect(fs.access(join(dir, 'vault.key'))).rejects.toMatchObject({ code: 'ENOENT' });
      } finally {
        await deleteKeyringKey({ service, account });
      }
    },
  );
});
