/**
 * A real `keybridge serve` with KEYBRIDGE_CIPHER=keyring, signed in at a real oidc-provider, against a real
 * Secret Service (gnome-keyring on a private D-Bus: test/keyring/with-keyring.sh, `npm run test:keyring`).
 * Without a reachable keyring it is skipped with the reason — unless the run requires one (CI), then it fails.
 */
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBroker } from '../../core/broker/client';
import {
  DEFAULT_KEYRING_SERVICE,
  KEYRING_INFO,
  createKeyringCipher,
  deleteKeyringKey,
  keyringAccountFor,
} from '../../core/vault/keyring-cipher';
import { Vault } from '../../core/vault/vault';
import { activeSession } from '../../core/vault/contents';
import { cli, makeHostEnv, removeHome, startHost, type HostEnv } from '../support/host';
import { signInOverHttp } from '../support/http-sign-in';
import { probeKeyring } from '../support/keyring';
import { startOidcServer, type OidcServer } from '../support/oidc-server';

const unavailable = await probeKeyring('keyring-host.test');

let oidc: OidcServer;
let h: HostEnv;

beforeAll(async () => {
  if (unavailable !== null) return;
  oidc = await startOidcServer({ accounts: { 'ada@example.com': { plan: 'pro', accountId: 'acc-ada' } } });
  h = await makeHostEnv(oidc.issuer, oidc.clientId, {
    KEYBRIDGE_CIPHER: 'keyring',
    // The host's environment is minimal (test/support/host.ts): hand it the session bus to find the keyring on.
    DBUS_SESSION_BUS_ADDRESS: process.env.DBUS_SESSION_BUS_ADDRESS ?? '',
  });
});

afterAll(async () => {
  if (!h) return;
  await deleteKeyringKey({ account: keyringAccountFor(h.home) }).catch(() => false);
  await removeHome(h);
  await oidc?.close();
});

describe('a host whose vault key lives in the OS keyring', () => {
  it.skipIf(unavailable !== null)(
    'signs in, seals the vault with a keyring key, and opens it again after a restart',
    async () => {
      let host = await startHost(h);
      try {
        expect(host.output()).toMatch(/storage: Encrypted with a key kept in the OS keyring/);
        const client = await connectBroker(h.socket, { name: 'keyring-test' });
        const { url } = (await client.call('auth.login', { noBrowser: true })) as { url: string };
        await signInOverHttp(url, 'ada@example.com');
        await client.call('auth.wait');
        client.close();

        const status = JSON.parse((await cli(h, 'status', '--json')).stdout) as {
          state: string;
          storage: { kind: string; protected: boolean };
        };
        expect(status).toMatchObject({ state: 'signedIn', storage: { kind: 'os-keyring', protected: true } });
        const token = (await cli(h, 'token')).stdout.trim();
        expect(token.split('.')).toHaveLength(3);

        // The vault records its cipher; no key file was made; the key is in the keyring, under this folder's entry.
        expect((await readFile(join(h.home, 'vault.bin'))).subarray(0, 19).toString('latin1')).toContain(
          'os-keyring',
        );
        expect(await readdir(h.home)).not.toContain('vault.key');
        const cipher = await createKeyringCipher({ account: keyringAccountFor(h.home) });
        expect(cipher.info).toEqual(KEYRING_INFO);
        expect(activeSession(await new Vault({ dir: h.home, cipher }).load())?.accessToken).toBe(token);
        // As the desktop sees it (libsecret's secret-tool, where installed): one item for this data folder.
        const found = await promisify(execFile)('secret-tool', [
          'search',
          'service',
          DEFAULT_KEYRING_SERVICE,
          'username',
          keyringAccountFor(h.home),
        ]).catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)));
        if (found)
          expect(`${found.stdout}${found.stderr}`).toContain(
            `attribute.username = ${keyringAccountFor(h.home)}`,
          );

        // A restart finds the key in the keyring again and the session with it.
        await host.stop();
        host = await startHost(h);
        const again = JSON.parse((await cli(h, 'status', '--json')).stdout) as {
          state: string;
          storage: { kind: string };
        };
        expect(again).toMatchObject({ state: 'signedIn', storage: { kind: 'os-keyring' } });
        expect((await cli(h, 'token')).stdout.trim()).toBe(token);
      } finally {
        await host.stop();
      }
    },
  );
});
