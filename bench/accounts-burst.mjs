/**
 * 1,000 concurrent `credentials.get` spread over three accounts at token expiry → how many refresh grants reach
 * the authorization server (docs/accounts.md: exactly one per account, so 3). The host is signed in to three
 * accounts at a server issuing 65-second tokens; once every token is inside the default 60-second minimum TTL,
 * each request needs a fresh token of its account, and each account's single flight turns them into one refresh.
 */
import { runCli, sleep, support } from './lib.mjs';

const ACCOUNTS = ['bench-a@example.com', 'bench-b@example.com', 'bench-c@example.com'];

/** `host` from startSignedInHost at `oidc` (65-second tokens), signed in to no account yet. */
export async function benchAccountsBurst({ host, oidc, requests = 1000, connections = 50 }) {
  const { connectBroker, signInOverHttp } = await support();
  for (const login of ACCOUNTS) await signInAs(host.env, login, signInOverHttp);
  const clients = [];
  for (let i = 0; i < connections; i += 1)
    clients.push(await connectBroker(host.socket, { name: `burst-${i}` }));
  try {
    // Wait until every account's token is inside the 60 s window (minTtl 0 reads it without refreshing).
    for (;;) {
      let inside = true;
      for (const account of ACCOUNTS) {
        const c = await clients[0].call('credentials.get', { account, minTtlSeconds: 0 });
        if (Date.parse(c.expiresAt) - Date.now() >= 58_000) inside = false;
      }
      if (inside) break;
      await sleep(250);
    }
    const before = oidc.stats.refreshGrants;
    const started = process.hrtime.bigint();
    const answers = await Promise.all(
      Array.from({ length: requests }, (_, i) =>
        clients[i % connections].call('credentials.get', { account: ACCOUNTS[i % ACCOUNTS.length] }).then(
          (c) => c.accessToken,
          () => null,
        ),
      ),
    );
    const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
    const refreshes = oidc.stats.refreshGrants - before;
    const failed = answers.filter((a) => a === null).length;
    const tokens = new Set(answers.filter(Boolean)).size;
    return [
      {
        figure: `${requests.toLocaleString('en-US')} concurrent \`credentials.get\` over ${ACCOUNTS.length} accounts at expiry → refresh grants`,
        measured: `${refreshes} (${failed} failed, ${tokens} distinct tokens, ${Math.round(elapsedMs)} ms)`,
        baseline: '—',
        goal: String(ACCOUNTS.length),
        pass: refreshes === ACCOUNTS.length && failed === 0 && tokens === ACCOUNTS.length,
      },
    ];
  } finally {
    for (const c of clients) c.close();
  }
}

async function signInAs(env, login, signInOverHttp) {
  let started = false;
  const result = await runCli(env, ['login', '--no-browser'], {
    onStdout: (s) => {
      const m = /^https?:\/\/\S+/m.exec(s);
      if (m && !started) {
        started = true;
        signInOverHttp(m[0], login).catch((e) => console.error(`bench: sign-in failed: ${e.message}`));
      }
    },
  });
  if (result.code !== 0) throw new Error(`bench: keybridge login as ${login} failed: ${result.stderr}`);
}
