/**
 * Refresh faults against a real oidc-provider (docs/design.md "Quality bars": "a refresh that fails for
 * network reasons keeps the session and retries with backoff"): the token endpoint answering 5xx, 503 with
 * Retry-After, an HTML page, malformed JSON or JSON of the wrong types, resetting the connection or never
 * answering; the issuer unreachable at start-up. In every case the session is kept (status signedIn, the
 * stored tokens untouched), the retries are spaced and bounded, and it recovers once the server does.
 */
import { readdir } from 'node:fs/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeybridgeError } from '../../core/errors';
import { startOidcServer, type OidcServer, type TokenEndpointFault } from '../support/oidc-server';
import { inProcessHost, until, type InProcessHost } from './in-process';

let oidc: OidcServer;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  oidc = await startOidcServer({ accounts: { 'ada@example.com': { plan: 'pro', accountId: 'acc-ada' } } });
});
afterAll(async () => {
  await oidc?.close();
});
afterEach(async () => {
  oidc.setTokenEndpointFault(null);
  await oidc.setOffline(false);
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

async function host(opts: Parameters<typeof inProcessHost>[1] = {}): Promise<InProcessHost> {
  const h = await inProcessHost(oidc, { random: () => 0, ...opts });
  cleanups.push(
    () => h.remove(),
    () => h.close(),
  );
  return h;
}

async function brokenFiles(h: InProcessHost): Promise<string[]> {
  return (await readdir(h.home)).filter((n) => n.includes('.broken-') || n.endsWith('.tmp'));
}

const FAULTS: Array<[string, TokenEndpointFault]> = [
  ['HTTP 500', { status: 500 }],
  ['HTTP 503 with Retry-After', { status: 503, retryAfter: 2 }],
  ['HTTP 502 with an HTML page', { status: 502, body: '<html><body>Bad gateway</body></html>' }],
  ['HTTP 429 (rate limited)', { status: 429, body: '{"error":"rate_limited"}', retryAfter: 1 }],
  ['a reset connection', 'reset'],
  ['no answer at all (timeout)', 'hang'],
  [
    'malformed JSON',
    { status: 200, body: '{"access_token": "abc", "token_ty', contentType: 'application/json' },
  ],
  [
    'JSON of the wrong types',
    { status: 200, body: '{"access_token": 42, "token_type": ["bearer"], "expires_in": "soon"}' },
  ],
  ['an empty 200', { status: 200, body: '', contentType: 'application/json' }],
];

describe('a refresh that meets a failing token endpoint', () => {
  let h: InProcessHost;
  beforeAll(async () => {
    h = await inProcessHost(oidc, { random: () => 0, requestTimeoutMs: 1_000 });
    await h.signIn();
  });
  afterAll(async () => {
    await h?.close();
    await h?.remove();
  });

  it.each(FAULTS)('%s: keeps the session and the stored tokens, then recovers', async (_name, fault) => {
    const before = await h.vault.load();
    const requestsBefore = oidc.stats.tokenRequests;
    oidc.setTokenEndpointFault(fault);

    const err = await h.session.refresh().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeybridgeError);
    expect(err).toMatchObject({ retryable: true, reloginRequired: false });
    expect(oidc.stats.tokenRequests).toBeGreaterThan(requestsBefore); // it really asked the server

    const status = h.session.status();
    expect(status.state).toBe('signedIn');
    expect(status.lastError?.message).toMatch(/Keeping it and retrying in \d+ s/);
    expect(status.account).toMatchObject({ email: 'ada@example.com', planType: 'pro' });
    // Nothing was written: the vault still holds the very same session, and no debris lies around.
    expect(await h.vault.load()).toEqual(before);
    expect(await brokenFiles(h)).toEqual([]);
    // Tools keep getting the (still valid) token meanwhile.
    expect((await h.session.credentials()).accessToken).toBe(before!.accessToken);

    oidc.setTokenEndpointFault(null);
    const fresh = await until('a successful refresh', () => h.session.refresh().catch(() => undefined));
    expect(fresh.accessToken).not.toBe(before!.accessToken);
    expect(fresh.refreshToken).not.toBe(before!.refreshToken);
    expect(h.session.status()).toMatchObject({ state: 'signedIn', lastError: undefined });
    expect((await h.vault.load())?.refreshToken).toBe(fresh.refreshToken);
  });
});

describe('backoff', () => {
  it('retries on its own after 1 s, 2 s and 4 s (jitter off), then recovers when the server does', async () => {
    const h = await host();
    await h.signIn();
    oidc.setTokenEndpointFault({ status: 500 });
    const base = oidc.stats.tokenRequests;
    const seen: number[] = [];
    const watch = setInterval(() => {
      while (base + seen.length < oidc.stats.tokenRequests) seen.push(Date.now());
    }, 10);
    try {
      await expect(h.session.refresh()).rejects.toMatchObject({ retryable: true });
      await until('two retries', () => (seen.length >= 3 ? true : undefined), 8_000);
      oidc.setTokenEndpointFault(null); // the third retry, 4 s later, finds the server back
      const status = await until(
        'recovery',
        () =>
          h.session.status().lastError === undefined && seen.length >= 4 ? h.session.status() : undefined,
        8_000,
      );
      expect(status.state).toBe('signedIn');
    } finally {
      clearInterval(watch);
    }
    const gaps = seen.slice(1).map((t, i) => t - seen[i]!);
    expect(gaps).toHaveLength(3);
    for (const [i, want] of [1000, 2000, 4000].entries()) {
      expect(gaps[i]).toBeGreaterThanOrEqual(want - 100);
      expect(gaps[i]).toBeLessThan(want + 1_000);
    }
    expect(h.logs.filter((l) => /refresh failed \(attempt \d\), retrying in/.test(l))).toEqual([
      expect.stringContaining('retrying in 1000 ms'),
      expect.stringContaining('retrying in 2000 ms'),
      expect.stringContaining('retrying in 4000 ms'),
    ]);
  }, 20_000);

  it('honours Retry-After but caps it at 5 minutes, and tools asking meanwhile do not hammer the server', async () => {
    const h = await host();
    await h.signIn();
    const token = (await h.session.credentials()).accessToken;
    oidc.setTokenEndpointFault({ status: 503, retryAfter: 86_400 });
    await expect(h.session.refresh()).rejects.toMatchObject({ retryable: true });
    expect(h.session.status().lastError?.message).toMatch(/retrying in 300 s/);
    expect(h.logs.some((l) => l.includes('retrying in 300000 ms'))).toBe(true);

    // Tools that want more lifetime than the token has left keep getting the valid token without each
    // of them sending the server another request it asked us not to send.
    const requests = oidc.stats.tokenRequests;
    for (let i = 0; i < 20; i += 1) expect((await h.session.credentials(7_200)).accessToken).toBe(token);
    await Promise.all(Array.from({ length: 50 }, () => h.session.credentials(7_200)));
    expect(oidc.stats.tokenRequests).toBe(requests);
    expect(h.session.status().state).toBe('signedIn');
  });

  it('a revoked refresh token ends the session once, with no retries', async () => {
    const h = await host();
    await h.signIn();
    oidc.setTokenEndpointFault({
      status: 400,
      body: '{"error":"invalid_grant","error_description":"grant request is invalid"}',
    });
    await expect(h.session.refresh()).rejects.toMatchObject({ reloginRequired: true });
    const requests = oidc.stats.tokenRequests;
    expect(h.session.status()).toMatchObject({ state: 'expired' });
    await new Promise((r) => setTimeout(r, 1_500)); // a retry would have fired after 1 s
    expect(oidc.stats.tokenRequests).toBe(requests);
    expect(await h.vault.load()).toBeNull();
    await expect(h.session.credentials()).rejects.toMatchObject({
      code: 'not_signed_in',
      reloginRequired: true,
    });
  });
});

describe('offline at start-up', () => {
  it('a stored, still valid session is served while the issuer is unreachable, and refreshes once it is back', async () => {
    const first = await host();
    await first.signIn();
    const stored = await first.vault.load();
    await first.close();

    await oidc.setOffline(true);
    const h = await host({ home: first.home });
    expect(h.session.status()).toMatchObject({ state: 'signedIn', account: { email: 'ada@example.com' } });
    expect((await h.session.credentials()).accessToken).toBe(stored!.accessToken);

    const err = await h.session.refresh().catch((e: unknown) => e);
    expect(err).toMatchObject({ retryable: true });
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
    expect(h.session.status()).toMatchObject({ state: 'signedIn' });
    expect(h.session.status().lastError?.message).toMatch(/retrying/);
    expect(await h.vault.load()).toEqual(stored);

    await oidc.setOffline(false);
    const fresh = await until('a refresh once online', () => h.session.refresh().catch(() => undefined));
    expect(fresh.refreshToken).not.toBe(stored!.refreshToken);
    expect(h.session.status().lastError).toBeUndefined();
  });

  it('an expired stored token: the session is kept, tools get a retryable error (not "sign in"), and it recovers', async () => {
    const first = await host();
    await first.signIn();
    const stored = (await first.vault.load())!;
    await first.close();
    // The computer was off for a while: the access token ran out, the refresh token is still good.
    await first.vault.save({ ...stored, expiresAt: Date.now() - 60_000, obtainedAt: Date.now() - 3_660_000 });

    await oidc.setOffline(true);
    const h = await host({ home: first.home });
    // The overdue refresh starts at once and fails.
    await until('a failed refresh', () => h.session.status().lastError ?? undefined);
    expect(h.session.status()).toMatchObject({ state: 'signedIn', account: { email: 'ada@example.com' } });
    const err = await h.session.credentials().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KeybridgeError);
    expect(err).toMatchObject({ retryable: true, reloginRequired: false });
    expect((err as KeybridgeError).code).not.toBe('not_signed_in');

    await oidc.setOffline(false);
    const creds = await until('credentials once online', () =>
      h.session.credentials().catch(() => undefined),
    );
    expect(creds.accessToken).not.toBe(stored.accessToken);
    expect(Date.parse(creds.expiresAt)).toBeGreaterThan(Date.now() + 3_000_000);
    expect(h.session.status()).toMatchObject({ state: 'signedIn', lastError: undefined });
  });
});
