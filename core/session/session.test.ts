/**
 * The session's rules with a scripted token endpoint (the OAuth client is this unit's boundary; the
 * integration tests in test/integration run the same rules against a real oidc-provider).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Status } from '../api/contract';
import type { OAuthClient, SignInAttempt, TokenSet } from '../auth/types';
import { KeybridgeError } from '../errors';
import { createFileKeyCipher } from '../vault/file-key-cipher';
import { Vault } from '../vault/vault';
import { activeSession } from '../vault/contents';
import { Session } from './session';

const jwt = (payload: object) =>
  ['e30', Buffer.from(JSON.stringify(payload)).toString('base64url'), 's'].join('.');
const idToken = jwt({
  email: 'ada@example.com',
  'https://api.openai.com/auth': { chatgpt_plan_type: 'plus', chatgpt_account_id: 'acc-1' },
});

/** A token endpoint whose answers the test decides, counting grants like a real server would. */
class ScriptedClient implements OAuthClient {
  refreshGrants = 0;
  revoked: string[] = [];
  next: Array<() => Promise<TokenSet>> = [];
  private resolveAttempt?: (t: TokenSet) => void;
  private rejectAttempt?: (e: unknown) => void;
  private n = 0;

  constructor(private readonly ttlMs: number) {}

  tokens(): TokenSet {
    this.n += 1;
    return {
      accessToken: `at-${this.n}`,
      refreshToken: `rt-${this.n}`,
      idToken,
      tokenType: 'Bearer',
      expiresAt: Date.now() + this.ttlMs,
    };
  }

  async beginSignIn(): Promise<SignInAttempt> {
    const result = new Promise<TokenSet>((res, rej) => {
      this.resolveAttempt = res;
      this.rejectAttempt = rej;
    });
    return {
      url: 'https://auth.example/authorize?state=s',
      redirectUri: 'http://localhost:1455/auth/callback',
      startedAt: Date.now(),
      expiresAt: Date.now() + 300_000,
      result,
      cancel: () => this.rejectAttempt?.(new KeybridgeError('sign_in_cancelled', 'cancelled')),
    };
  }

  completeSignIn(): void {
    this.resolveAttempt?.(this.tokens());
  }

  async handleRedirectUrl(): Promise<void> {
    this.completeSignIn();
  }

  async refresh(): Promise<TokenSet> {
    this.refreshGrants += 1;
    const step = this.next.shift();
    if (step) return step();
    await new Promise((r) => setTimeout(r, 20));
    return this.tokens();
  }

  async revoke(token: string): Promise<boolean> {
    this.revoked.push(token);
    return true;
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-session-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function signedIn(ttlMs = 3_600_000) {
  const client = new ScriptedClient(ttlMs);
  const cipher = await createFileKeyCipher(dir);
  const vault = new Vault({ dir, cipher });
  const session = new Session({ auth: client, vault, storage: cipher.info });
  const seen: Status[] = [];
  session.onChange((s) => seen.push(s));
  await session.start();
  await session.login();
  client.completeSignIn();
  await session.waitForSignIn();
  return { client, vault, session, seen, cipher };
}

describe('Session', () => {
  it('signs in and reports the account, never a token, in its status', async () => {
    const { session, seen } = await signedIn();
    const s = session.status();
    expect(s.state).toBe('signedIn');
    expect(s.account).toMatchObject({ email: 'ada@example.com', planType: 'plus', accountId: 'acc-1' });
    expect(seen.map((x) => x.state)).toEqual(['signedOut', 'signingIn', 'signedIn']);
    expect(JSON.stringify(seen)).not.toMatch(/at-\d|rt-\d/);
    await session.close();
  });

  it('runs exactly one refresh for 200 concurrent requests that need a fresher token', async () => {
    const { session, client } = await signedIn(10_000);
    const all = await Promise.all(Array.from({ length: 200 }, () => session.credentials(60)));
    expect(client.refreshGrants).toBe(1);
    expect(new Set(all.map((c) => c.accessToken))).toEqual(new Set(['at-2']));
    await session.close();
  });

  it('writes the rotated refresh token to the vault before handing out the new access token', async () => {
    const { session, vault } = await signedIn(10_000);
    const creds = await session.credentials(60);
    const stored = activeSession(await vault.load());
    expect(creds.accessToken).toBe('at-2');
    expect(stored?.refreshToken).toBe('rt-2');
    await session.close();
  });

  it('keeps the session through a network failure and says it is retrying', async () => {
    const { session, client } = await signedIn(120_000);
    client.next.push(async () => {
      throw new KeybridgeError('network', 'connect ECONNREFUSED', { retryable: true });
    });
    // The token is still valid for 2 minutes: the caller gets it even though the refresh failed.
    const creds = await session.credentials(600);
    expect(creds.accessToken).toBe('at-1');
    const s = session.status();
    expect(s.state).toBe('signedIn');
    expect(s.lastError?.message).toMatch(/retrying in \d+ s/);
    await session.close();
  });

  it('ends in expired, once and without retrying, when the refresh token was reused', async () => {
    const { session, client, vault, seen } = await signedIn(10_000);
    client.next.push(async () => {
      throw new KeybridgeError('relogin_required', 'Your sign-in was used elsewhere.', {
        reloginRequired: true,
      });
    });
    await expect(session.credentials(60)).rejects.toMatchObject({ code: 'relogin_required' });
    expect(session.status().state).toBe('expired');
    expect(session.status().lastError?.message).toMatch(/used elsewhere/);
    expect(activeSession(await vault.load())).toBeNull();
    await expect(session.credentials()).rejects.toMatchObject({
      code: 'not_signed_in',
      reloginRequired: true,
    });
    expect(client.refreshGrants).toBe(1);
    expect(seen.filter((s) => s.state === 'expired')).toHaveLength(1);
    await session.close();
  });

  it('signs out: wipes the vault, revokes the refresh token and refuses credentials after', async () => {
    const { session, client, vault } = await signedIn();
    const out = await session.logout();
    expect(out.revoked).toBe(true);
    expect(client.revoked).toEqual(['rt-1']);
    expect(activeSession(await vault.load())).toBeNull();
    expect(session.status().state).toBe('signedOut');
    await expect(session.credentials()).rejects.toMatchObject({ code: 'not_signed_in' });
    await session.close();
  });

  it('restores the session from the vault on start', async () => {
    const { session, cipher } = await signedIn();
    await session.close();
    const again = new Session({
      auth: new ScriptedClient(1000),
      vault: new Vault({ dir, cipher }),
      storage: cipher.info,
    });
    await again.start();
    expect(again.status()).toMatchObject({ state: 'signedIn', account: { email: 'ada@example.com' } });
    await again.close();
  });

  it('reports a cancelled sign-in and returns to signed out', async () => {
    const client = new ScriptedClient(1000);
    const cipher = await createFileKeyCipher(dir);
    const session = new Session({ auth: client, vault: new Vault({ dir, cipher }), storage: cipher.info });
    await session.start();
    await session.login();
    const waiting = session.waitForSignIn();
    expect(session.cancelSignIn()).toBe(true);
    await expect(waiting).rejects.toMatchObject({ code: 'sign_in_cancelled' });
    expect(session.status()).toMatchObject({ state: 'signedOut', lastError: { code: 'sign_in_cancelled' } });
    await session.close();
  });
});
