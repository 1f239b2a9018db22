/**
 * Crash safety (docs/design.md "Quality bars": "vault writes are atomic (a kill at any moment leaves the old
 * or the new tokens)"): a real `keybridge serve` refreshing back to back is SIGKILLed at random moments,
 * again and again. After every kill:
 *   - the vault opens (never vault_unreadable, never moved aside as broken) and holds a real session signed by
 *     the server — either the newest one a tool was handed (old) or the one after it (new), never an older
 *     one: the session writes a rotated token to the vault before it hands the access token out;
 *   - the restarted host reports signedIn and keeps working, except when the kill fell between the server
 *     rotating the refresh token and the vault write: then the old token is spent, and the host says "sign
 *     in again" cleanly (the server's rotation makes that window unavoidable; it is counted, not hidden).
 */
import { createPublicKey, verify, type JsonWebKey } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerCallError, connectBroker, type BrokerClient } from '../../core/broker/client';
import { createFileKeyCipher } from '../../core/vault/file-key-cipher';
import { Vault } from '../../core/vault/vault';
import { activeSession } from '../../core/vault/contents';
import { makeHostEnv, removeHome, startHost, type HostEnv, type RunningHost } from '../support/host';
import { killDuringRefreshes } from '../support/kill-during-refreshes';
import { signInOverHttp } from '../support/http-sign-in';
import { startOidcServer, type OidcServer } from '../support/oidc-server';

const KILLS = 30;

let oidc: OidcServer;
let keys: Map<string, JsonWebKey>;
beforeAll(async () => {
  oidc = await startOidcServer();
  const jwks = (await (await fetch(`${oidc.issuer}/jwks`)).json()) as {
    keys: Array<JsonWebKey & { kid: string }>;
  };
  keys = new Map(jwks.keys.map((k) => [k.kid, k]));
});
afterAll(async () => oidc?.close());

/** Whether `token` is a JWT this server signed (RS256 against its JWKS); returns its claims. */
function verifiedClaims(token: string): { jti: string; iat: number } {
  const [h, p, s] = token.split('.') as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as { kid: string; alg: string };
  const jwk = keys.get(header.kid);
  expect(header.alg).toBe('RS256');
  expect(jwk).toBeDefined();
  const ok = verify(
    'RSA-SHA256',
    Buffer.from(`${h}.${p}`),
    createPublicKey({ key: jwk!, format: 'jwk' }),
    Buffer.from(s, 'base64url'),
  );
  expect(ok).toBe(true);
  return JSON.parse(Buffer.from(p, 'base64url').toString()) as { jti: string; iat: number };
}

async function connect(h: HostEnv): Promise<BrokerClient> {
  return connectBroker(h.socket, { name: 'crash-test' });
}

/** Signs in; returns the access token the session now holds. */
async function signIn(h: HostEnv): Promise<string> {
  const client = await connect(h);
  try {
    const { url } = (await client.call('auth.login', { noBrowser: true })) as { url: string };
    await signInOverHttp(url, 'ada@example.com');
    await client.call('auth.wait');
    return ((await client.call('credentials.get')) as { accessToken: string }).accessToken;
  } finally {
    client.close();
  }
}

describe('kill -9 during repeated refreshes', () => {
  it(`finds the old or the new tokens after each of ${KILLS} kills, never a broken vault`, async () => {
    const h = await makeHostEnv(oidc.issuer, oidc.clientId);
    const cipher = await createFileKeyCipher(h.home);
    const readVault = async () => activeSession(await new Vault({ dir: h.home, cipher }).load());
    const tally = { kills: 0, foundOld: 0, foundNew: 0, keptWorking: 0, signInAgain: 0, refreshes: 0 };
    let host: RunningHost | undefined = await startHost(h);
    try {
      // The newest access token any tool was handed: the vault holds it or the one after it.
      let lastHandedOut = await signIn(h);
      for (let round = 0; round < KILLS; round += 1) {
        const handedOut = await killDuringRefreshes(h, host!, lastHandedOut);
        tally.kills += 1;
        tally.refreshes += handedOut.length - 1;

        // The vault, read as the next host will read it: whole, and the old or the new session.
        const files = await readdir(h.home);
        expect(files.filter((f) => f.includes('.broken-'))).toEqual([]);
        const stored = await readVault();
        expect(stored).not.toBeNull();
        const claims = verifiedClaims(stored!.accessToken);
        const last = handedOut.at(-1)!;
        if (stored!.accessToken === last) tally.foundOld += 1;
        else {
          // Not the last one handed out: it must be newer than every token handed out — never an earlier one.
          expect(handedOut).not.toContain(stored!.accessToken);
          expect(claims.iat).toBeGreaterThanOrEqual(verifiedClaims(last).iat);
          tally.foundNew += 1;
        }

        host = await startHost(h);
        const after = await connect(h);
        try {
          const status = (await after.call('status.get')) as { state: string; lastError?: { code: string } };
          expect(status.state).toBe('signedIn');
          try {
            const c = (await after.call('credentials.get', { minTtlSeconds: 86_400 })) as {
              accessToken: string;
            };
            lastHandedOut = c.accessToken;
            tally.keptWorking += 1;
          } catch (e) {
            // Only the rotation window may end the session, and then as "sign in again", never as a broken vault.
            expect(e).toBeInstanceOf(BrokerCallError);
            expect((e as BrokerCallError).data).toMatchObject({ reloginRequired: true });
            expect(stored!.accessToken).toBe(last); // it had the old tokens
            expect(((await after.call('status.get')) as { state: string }).state).toBe('expired');
            tally.signInAgain += 1;
            lastHandedOut = await signIn(h);
          }
        } finally {
          after.close();
        }
      }
    } finally {
      await host?.stop('SIGKILL');
      await removeHome(h);
    }
    console.log(`[crash] ${JSON.stringify(tally)}`);
    expect(tally.kills).toBe(KILLS);
    expect(tally.foundOld + tally.foundNew).toBe(KILLS);
    expect(tally.keptWorking + tally.signInAgain).toBe(KILLS);
    expect(tally.refreshes).toBeGreaterThan(KILLS); // the kills really landed among refreshes
  }, 180_000);
});
