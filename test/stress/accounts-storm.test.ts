/**
 * One refresh per account (docs/accounts.md): three accounts signed in at a server issuing 65-second tokens;
 * once every token is inside the default 60-second minimum TTL, 1,000 concurrent `credentials.get` spread over
 * the three accounts (a third name none and get the active one) cause exactly three refresh grants — one per
 * account, none twice — and every answer carries its own account's new token. `npm run bench` prints the same
 * figure (bench/accounts-burst.mjs).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectBroker, type BrokerClient } from '../../core/broker/client';
import { jwtPayload } from '../support/auth-fixtures';
import { makeHostEnv, removeHome, startHost, type HostEnv, type RunningHost } from '../support/host';
import { PEOPLE, startOidcServer, type OidcServer } from '../support/oidc-server';
import { signIn, until } from '../support/signed-in-host';

const REQUESTS = 1000;
const CONNECTIONS = 50;
const ACCOUNTS = ['acc-ada', 'acc-grace', 'acc-linus'];

let oidc: OidcServer;
let h: HostEnv;
let host: RunningHost;
beforeAll(async () => {
  oidc = await startOidcServer({ accounts: PEOPLE, accessTokenTtlSeconds: 65 });
  h = await makeHostEnv(oidc.issuer, oidc.clientId);
  host = await startHost(h);
});
afterAll(async () => {
  await host?.stop();
  if (h) await removeHome(h);
  await oidc?.close();
});

it(`${REQUESTS} concurrent credentials.get over ${ACCOUNTS.length} accounts at expiry → exactly ${ACCOUNTS.length} refreshes`, async () => {
  await signIn(h, 'linus@example.com');
  await signIn(h, 'ada@example.com');
  await signIn(h, 'grace@example.com');
  const clients: BrokerClient[] = [];
  for (let i = 0; i < CONNECTIONS; i += 1)
    clients.push(await connectBroker(h.socket, { name: `storm-${i}` }));
  try {
    // Wait (for the state, not a fixed time) until every account's token is inside the 60 s window; minTtl 0
    // reads the expiry without refreshing.
    await until(
      'every token inside the 60 s window',
      async () => {
        for (const account of ACCOUNTS) {
          const c = (await clients[0]!.call('credentials.get', { account, minTtlSeconds: 0 })) as {
            expiresAt: string;
          };
          if (Date.parse(c.expiresAt) - Date.now() >= 58_000) return undefined;
        }
        return true;
      },
      30_000,
    );
    const before = oidc.stats.refreshGrants;
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, (_, i) => {
        // Grace is active: a third of the requests name no account and must get hers.
        const account = i % 3 === 0 ? undefined : ACCOUNTS[i % 3 === 1 ? 0 : 2];
        return clients[i % CONNECTIONS]!.call('credentials.get', account ? { account } : undefined).then(
          (c) => ({ want: account ?? 'acc-grace', token: (c as { accessToken: string }).accessToken }),
        );
      }),
    );
    const refreshes = oidc.stats.refreshGrants - before;
    console.log(
      `[accounts-storm] ${REQUESTS} requests over ${ACCOUNTS.length} accounts → ${refreshes} refreshes`,
    );
    // One refresh per account, each account asked for (a third through the active one, Grace).
    expect(new Set(answers.map((a) => a.want))).toEqual(new Set(ACCOUNTS));
    expect(refreshes).toBe(ACCOUNTS.length);
    const tokensPerAccount = new Map<string, Set<string>>();
    for (const a of answers) {
      const id = (jwtPayload(a.token)['https://api.openai.com/auth'] as { chatgpt_account_id: string })
        .chatgpt_account_id;
      expect(id).toBe(a.want);
      if (!tokensPerAccount.has(id)) tokensPerAccount.set(id, new Set());
      tokensPerAccount.get(id)!.add(a.token);
    }
    for (const tokens of tokensPerAccount.values()) expect(tokens.size).toBe(1);
  } finally {
    for (const c of clients) c.close();
  }
}, 180_000);
