/**
 * Several accounts and crash safety (docs/accounts.md, docs/design.md "Quality bars"): a real `keybridge serve`
 * with two accounts refreshes one of them (Grace) back to back and is SIGKILLed at random moments. The vault
 * holds every account in one atomic write, so after every kill:
 *   - the vault opens (never broken) and Ada's session in it is exactly the one she had before: a kill during
 *     another account's refresh never touches hers;
 *   - Grace's session is the last one handed out or the one after it (the rotated token is saved first);
 *   - the restarted host serves Ada at once; Grace keeps working, or — only when the kill fell between the
 *     server rotating her refresh token and the vault write — she alone is asked to sign in again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerCallError, connectBroker } from '../../core/broker/client';
import { createFileKeyCipher } from '../../core/vault/file-key-cipher';
import { Vault } from '../../core/vault/vault';
import { makeHostEnv, removeHome, startHost, type RunningHost } from '../support/host';
import { killDuringRefreshes } from '../support/kill-during-refreshes';
import { PEOPLE, startOidcServer, type OidcServer } from '../support/oidc-server';
import { signIn } from '../support/signed-in-host';

const KILLS = Number(process.env.KB_ACCOUNTS_KILLS ?? 8);

let oidc: OidcServer;
beforeAll(async () => {
  oidc = await startOidcServer({ accounts: PEOPLE });
});
afterAll(async () => oidc?.close());

describe('kill -9 during one account’s refreshes', () => {
  it(`leaves the other account intact after each of ${KILLS} kills`, async () => {
    const h = await makeHostEnv(oidc.issuer, oidc.clientId);
    let host: RunningHost | undefined = await startHost(h);
    const readVault = async () =>
      new Vault({ dir: h.home, cipher: await createFileKeyCipher(h.home) }).load();
    const tally = { kills: 0, graceKept: 0, graceSignInAgain: 0, refreshes: 0 };
    try {
      await signIn(h, 'ada@example.com');
      await signIn(h, 'grace@example.com');
      const ada = (await readVault())!.accounts['acc-ada']!.session;
      let graceLast = (await readVault())!.accounts['acc-grace']!.session.accessToken;
      for (let round = 0; round < KILLS; round += 1) {
        const handedOut = await killDuringRefreshes(h, host!, graceLast, { account: 'acc-grace' });
        tally.kills += 1;
        tally.refreshes += handedOut.length - 1;

        const stored = await readVault(); // a torn file would throw vault_unreadable here
        expect(stored?.accounts['acc-ada']?.session).toEqual(ada);
        const grace = stored?.accounts['acc-grace']?.session;
        expect(grace).toBeDefined();
        const last = handedOut.at(-1)!;
        if (grace!.accessToken !== last) expect(handedOut).not.toContain(grace!.accessToken);

        host = await startHost(h);
        const after = await connectBroker(h.socket, { name: 'accounts-crash-after' });
        try {
          const a = (await after.call('credentials.get', { account: 'acc-ada', minTtlSeconds: 0 })) as {
            accessToken: string;
          };
          expect(a.accessToken).toBe(ada.accessToken);
          try {
            const g = (await after.call('credentials.get', {
              account: 'acc-grace',
              minTtlSeconds: 86_400,
            })) as {
              accessToken: string;
            };
            graceLast = g.accessToken;
            tally.graceKept += 1;
          } catch (e) {
            expect(e).toBeInstanceOf(BrokerCallError);
            expect((e as BrokerCallError).data).toMatchObject({ reloginRequired: true });
            expect(grace!.accessToken).toBe(last); // it had the old tokens: the rotation window
            tally.graceSignInAgain += 1;
            // Ada is untouched by Grace's ending.
            const again = (await after.call('credentials.get', { account: 'acc-ada', minTtlSeconds: 0 })) as {
              accessToken: string;
            };
            expect(again.accessToken).toBe(ada.accessToken);
            await signIn(h, 'grace@example.com');
            graceLast = (await readVault())!.accounts['acc-grace']!.session.accessToken;
          }
        } finally {
          after.close();
        }
      }
    } finally {
      await host?.stop('SIGKILL');
      await removeHome(h);
    }
    console.log(`[accounts-crash] ${JSON.stringify(tally)}`);
    expect(tally.graceKept + tally.graceSignInAgain).toBe(KILLS);
    expect(tally.refreshes).toBeGreaterThan(KILLS);
  }, 400_000);
});
