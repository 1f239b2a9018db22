/**
 * A clock that is minutes off (issue #6): Keybridge must time refreshes from `expires_in` in its own clock,
 * accept tokens whose iat/exp are in the server's time, and never believe a token lives longer than it does.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startOidcServer, type OidcServer } from '../support/oidc-server';
import { inProcessHost, until, type InProcessHost } from './in-process';
import { startSkewedOidcServer, type SkewedOidcServer } from './skewed-oidc';

const MIN = 60_000;
const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

describe('the authorization server’s clock is 10 minutes off', () => {
  it.each([
    ['ahead', 10 * MIN],
    ['behind', -10 * MIN],
  ])('%s: sign-in and refresh work, and the refresh comes before the real expiry', async (_name, skew) => {
    const ttlSeconds = 6;
    const server: SkewedOidcServer = await startSkewedOidcServer(skew, { accessTokenTtlSeconds: ttlSeconds });
    cleanups.push(() => server.close());
    const h: InProcessHost = await inProcessHost(server as unknown as OidcServer);
    cleanups.push(
      () => h.remove(),
      () => h.close(),
    );

    const signedInAt = Date.now();
    await h.signIn();
    const first = h.session.status();
    expect(first.state).toBe('signedIn');
    // Expiry in the local clock, from expires_in: not shifted by the server's 10 minutes.
    const expiresAt = Date.parse(first.expiresAt!);
    expect(expiresAt).toBeGreaterThan(signedInAt + ttlSeconds * 1000 - 1_000);
    expect(expiresAt).toBeLessThan(Date.now() + ttlSeconds * 1000 + 1_000);

    // The session's own timer refreshes it (a quarter of the lifetime ahead), before the token runs out.
    const refreshedAt = await until(
      'the scheduled refresh',
      () => (h.session.status().lastRefreshAt !== first.lastRefreshAt ? Date.now() : undefined),
      ttlSeconds * 1000 + 2_000,
    );
    expect(refreshedAt).toBeLessThan(expiresAt);
    expect(h.session.status()).toMatchObject({ state: 'signedIn', lastError: undefined });
    expect((await server.stats()).refreshGrants).toBe(1);
    const creds = await h.session.credentials(1);
    expect(Date.parse(creds.expiresAt)).toBeGreaterThan(Date.now() + 3_000);
  });
});

describe('a token answer without expires_in', () => {
  let oidc: OidcServer | undefined;
  afterAll(async () => oidc?.close());

  const fakeJwt = (claims: object) =>
    [
      Buffer.from('{"alg":"RS256","typ":"at+jwt"}').toString('base64url'),
      Buffer.from(JSON.stringify(claims)).toString('base64url'),
      'c2lnbmF0dXJl',
    ].join('.');

  it('takes the lifetime from the access token (exp − iat), so a server clock ahead cannot stretch it', async () => {
    oidc = await startOidcServer();
    const h = await inProcessHost(oidc);
    cleanups.push(
      () => h.remove(),
      () => h.close(),
    );
    await h.signIn();

    // The server's clock runs 10 minutes ahead; its token lives one hour in its own time.
    const iat = Math.floor(Date.now() / 1000) + 600;
    oidc.setTokenEndpointFault({
      status: 200,
      body: JSON.stringify({
        access_token: fakeJwt({ iat, exp: iat + 3600, sub: 'ada' }),
        token_type: 'Bearer',
        refresh_token: 'rotated-refresh-token',
      }),
    });
    await h.session.refresh();
    const expiresAt = Date.parse(h.session.status().expiresAt!);
    expect(Math.abs(expiresAt - (Date.now() + 3_600_000))).toBeLessThan(5_000);
  });
});
