/**
 * The session with several accounts, against a scripted token endpoint (the OAuth client is this unit's
 * boundary; test/integration/accounts.test.ts runs the same rules against a real oidc-provider): each account
 * has its own single flight, an account that ends ends alone, and the vault holds all of them.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OAuthClient, SignInAttempt, TokenSet } from '../auth/types';
import { KeybridgeError } from '../errors';
import { createFileKeyCipher } from '../vault/file-key-cipher';
import { Vault } from '../vault/vault';
import { Session, type CredentialsScope } from './session';

const jwt = (payload: object) =>
  ['e30', Buffer.from(JSON.stringify(payload)).toString('base64url'), 's'].join('.');
const person = (name: string) =>
  jwt({
    email: `${name}@example.com`,
    'https://api.openai.com/auth': { chatgpt_plan_type: 'plus', chatgpt_account_id: `acc-${name}` },
  });

/** A token endpoint that signs in whoever the test names and counts refresh grants per refresh token's owner. */
class People implements OAuthClient {
  grants = new Map<string, number>();
  revoked: string[] = [];
  /** Refreshes of these people fail with "sign in again". */
  dead = new Set<string>();
  private n = 0;
  private signIn?: { resolve(t: TokenSet): void; reject(e: unknown): void };

  tokens(name: string, ttlMs: number): TokenSet {
    this.n += 1;
    return {
      accessToken: `at-${name}-${this.n}`,
      refreshToken: `rt-${name}-${this.n}`,
      idToken: person(name),
      tokenType: 'Bearer',
      expiresAt: Date.now() + ttlMs,
    };
  }

  beginDeviceSignIn(): Promise<SignInAttempt> {
    return this.beginSignIn();
  }

  async beginSignIn(): Promise<SignInAttempt> {
    const result = new Promise<TokenSet>((resolve, reject) => (this.signIn = { resolve, reject }));
    return {
      url: 'https://auth.example/authorize?state=s',
      redirectUri: 'http://localhost:1455/auth/callback',
      startedAt: Date.now(),
      expiresAt: Date.now() + 300_000,
      result,
      cancel: () => this.signIn?.reject(new KeybridgeError('sign_in_cancelled', 'cancelled')),
    };
  }

  complete(name: string, ttlMs: number): void {
    this.signIn?.resolve(this.tokens(name, ttlMs));
  }

  async handleRedirectUrl(): Promise<void> {}

  async refresh(refreshToken: string): Promise<TokenSet> {
    const name = refreshToken.split('-')[1]!;
    this.grants.set(name, (this.grants.get(name) ?? 0) + 1);
    await new Promise((r) => setTimeout(r, 20));
    if (this.dead.has(name))
      throw new KeybridgeError('relogin_required', 'Revoked.', { reloginRequired: true });
    return this.tokens(name, 3_600_000);
  }

  async revoke(token: string): Promise<boolean> {
    this.revoked.push(token);
    return true;
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-accounts-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function withPeople(names: string[], ttlMs = 10_000) {
  const auth = new People();
  const cipher = await createFileKeyCipher(dir);
  const vault = new Vault({ dir, cipher });
  const session = new Session({ auth, vault, storage: cipher.info });
  const heard: Array<{ reason: string; scope: CredentialsScope; token: string | null }> = [];
  session.onCredentials((c, reason, scope) => heard.push({ reason, scope, token: c?.accessToken ?? null }));
  await session.start();
  for (const name of names) {
    await session.login();
    auth.complete(name, ttlMs);
    await session.waitForSignIn();
  }
  return { auth, vault, session, heard, cipher };
}

describe('Session with several accounts', () => {
  it('adds each sign-in as an account and makes it active; the same person again replaces, never duplicates', async () => {
    const { session, auth, vault } = await withPeople(['ada', 'grace']);
    expect(session.list().map((a) => [a.accountId, a.active])).toEqual([
      ['acc-ada', false],
      ['acc-grace', true],
    ]);
    expect(session.status()).toMatchObject({
      state: 'signedIn',
      account: { accountId: 'acc-grace' },
      otherAccounts: 1,
    });
    await session.login();
    auth.complete('ada', 10_000);
    await session.waitForSignIn();
    expect(session.list().map((a) => [a.accountId, a.active])).toEqual([
      ['acc-ada', true],
      ['acc-grace', false],
    ]);
    // The replaced refresh token is no longer ours to keep.
    expect(auth.revoked).toEqual(['rt-ada-1']);
    const stored = await vault.load();
    expect(Object.keys(stored!.accounts).sort()).toEqual(['acc-ada', 'acc-grace']);
    expect(stored!.activeAccountId).toBe('acc-ada');
    expect(stored!.accounts['acc-ada']!.session.refreshToken).toBe('rt-ada-3');
    await session.close();
  });

  it('refreshes each account once for a storm of requests, and no account that was not asked for', async () => {
    const { session, auth } = await withPeople(['ada', 'grace', 'linus']);
    const storm = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        session.credentials(60, i % 2 === 0 ? 'acc-ada' : 'grace@example.com'),
      ),
    );
    expect(auth.grants).toEqual(
      new Map([
        ['ada', 1],
        ['grace', 1],
      ]),
    );
    expect(new Set(storm.map((c) => c.accessToken)).size).toBe(2);
    await session.close();
  });

  it('ends an account whose refresh token was revoked, alone: the others keep working', async () => {
    const { session, auth, vault } = await withPeople(['ada', 'grace']);
    auth.dead.add('ada');
    await expect(session.credentials(60, 'acc-ada')).rejects.toMatchObject({ code: 'relogin_required' });
    expect(session.list().find((a) => a.accountId === 'acc-ada')).toMatchObject({ state: 'expired' });
    const grace = await session.credentials(60);
    expect(grace.accountId).toBe('acc-grace');
    const stored = await vault.load();
    expect(Object.keys(stored!.accounts)).toEqual(['acc-grace']);
    await expect(session.credentials(0, 'acc-ada')).rejects.toMatchObject({ reloginRequired: true });
    await session.close();
  });

  it('switches: listeners hear `switched` with the new account, unknown accounts are refused with the known ones', async () => {
    const { session, heard, vault } = await withPeople(['ada', 'grace']);
    heard.length = 0;
    await session.switchTo('ada@example.com');
    expect(heard).toEqual([
      {
        reason: 'switched',
        scope: { accountId: 'acc-ada', active: true },
        token: expect.stringMatching(/^at-ada-/),
      },
    ]);
    expect((await vault.load())!.activeAccountId).toBe('acc-ada');
    const err = await session.switchTo('nobody').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'invalid_params',
      data: {
        known: [
          { accountId: 'acc-ada', email: 'ada@example.com' },
          { accountId: 'acc-grace', email: 'grace@example.com' },
        ],
      },
    });
    expect((err as Error).message).toContain('grace@example.com (acc-grace)');
    await session.close();
  });

  it('signs out the active account: the most recently used remaining one becomes active; --all signs out every one', async () => {
    const { session, auth, heard } = await withPeople(['ada', 'grace', 'linus']);
    await session.credentials(0, 'acc-ada'); // Ada used after Grace
    heard.length = 0;
    const out = await session.logout();
    expect(out).toEqual({ revoked: true, signedOut: ['acc-linus'] });
    expect(session.status().account?.accountId).toBe('acc-ada');
    expect(heard.map((x) => [x.reason, x.scope.accountId, x.scope.active])).toEqual([
      ['switched', 'acc-ada', true],
      ['signedOut', 'acc-linus', false],
    ]);
    const all = await session.logout({ all: true });
    expect(all.signedOut.sort()).toEqual(['acc-ada', 'acc-grace']);
    expect(auth.revoked).toHaveLength(3);
    expect(session.status().state).toBe('signedOut');
    await session.close();
  });

  it('signing out every account hands no tool a token of an account that is going too', async () => {
    const { session, heard } = await withPeople(['ada', 'grace', 'linus']);
    await session.switchTo('acc-ada'); // the active account is the first to go
    heard.length = 0;
    await session.logout({ all: true });
    // No `switched` to an account of the same sign-out: each account is only heard going.
    expect(heard.filter((x) => x.reason === 'switched')).toEqual([]);
    expect(heard.map((x) => x.reason)).toEqual(['signedOut', 'signedOut', 'signedOut']);
    expect(heard.find((x) => x.scope.accountId === 'acc-ada')?.scope.active).toBe(true);
    expect(session.status().state).toBe('signedOut');
    await session.close();
  });

  it('brings back every account and the active one after a restart', async () => {
    const { session, cipher } = await withPeople(['ada', 'grace']);
    await session.switchTo('acc-ada');
    await session.close();
    const again = new Session({
      auth: new People(),
      vault: new Vault({ dir, cipher }),
      storage: cipher.info,
    });
    await again.start();
    expect(again.list().map((a) => [a.accountId, a.active, a.state])).toEqual([
      ['acc-ada', true, 'signedIn'],
      ['acc-grace', false, 'signedIn'],
    ]);
    await again.close();
  });
});
