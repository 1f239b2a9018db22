/**
 * Several accounts (docs/accounts.md) through a real `keybridge serve`, the real CLI and the real
 * oidc-provider: two people sign in, the CLI lists and switches them, tokens come per account, Codex's
 * auth.json and every subscribed tool follow the switch (a pinned tool keeps its account), a restart keeps
 * every account and the active one, signing in again to an account replaces it, and sign-outs revoke at the
 * server. Automatic switching moves the active account when the ChatGPT stand-in reports its limit reached.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBroker, type BrokerClient } from '../../core/broker/client';
import { jwtPayload } from '../support/auth-fixtures';
import { startChatgptServer, type ChatgptServer } from '../support/chatgpt-server';
import { cli, makeHostEnv, removeHome, startHost, type HostEnv, type RunningHost } from '../support/host';
import { PEOPLE, startOidcServer, type OidcServer } from '../support/oidc-server';
import { signIn, until } from '../support/signed-in-host';

const ADA = 'ada@example.com';
const GRACE = 'grace@example.com';

let oidc: OidcServer;
let chat: ChatgptServer;
beforeAll(async () => {
  oidc = await startOidcServer({ accounts: PEOPLE });
  chat = await startChatgptServer({ issuer: oidc.issuer });
});
afterAll(async () => {
  await chat?.close();
  await oidc?.close();
});

interface AccountsJson {
  accounts: Array<{ email: string; planType: string; accountId: string; active: boolean; state: string }>;
}

async function accountsJson(h: HostEnv): Promise<AccountsJson> {
  const r = await cli(h, 'accounts', '--json');
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as AccountsJson;
}

const activeEmail = async (h: HostEnv) => (await accountsJson(h)).accounts.find((a) => a.active)?.email;

async function tokenAccount(h: HostEnv, ...args: string[]): Promise<string> {
  const r = await cli(h, 'token', ...args);
  expect(r.code, r.stderr).toBe(0);
  const claims = jwtPayload(r.stdout.trim()) as {
    'https://api.openai.com/auth': { chatgpt_account_id: string };
  };
  return claims['https://api.openai.com/auth'].chatgpt_account_id;
}

describe('two people signed in to one Keybridge', () => {
  let h: HostEnv;
  let host: RunningHost;
  let codexHome: string;
  const tools: BrokerClient[] = [];

  beforeAll(async () => {
    codexHome = join(await mkdtemp(join(tmpdir(), 'kb-accounts-codex-')), 'codex');
    h = await makeHostEnv(oidc.issuer, oidc.clientId, {
      KEYBRIDGE_CHATGPT_BASE: chat.base,
      CODEX_HOME: codexHome,
    });
    host = await startHost(h);
  });
  afterAll(async () => {
    for (const t of tools) t.close();
    await host?.stop();
    if (h) await removeHome(h);
    if (codexHome) await rm(join(codexHome, '..'), { recursive: true, force: true });
  });

  it('has no account before the first sign-in: `accounts` exits 4', async () => {
    const r = await cli(h, 'accounts', '--json');
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toEqual({ accounts: [] });
  });

  it('adds the second sign-in as another account and makes it active', async () => {
    await signIn(h, ADA);
    await signIn(h, GRACE);
    const list = await accountsJson(h);
    expect(list.accounts).toHaveLength(2);
    expect(list.accounts).toEqual(
      expect.arrayContaining([
        { email: ADA, planType: 'plus', accountId: 'acc-ada', active: false, state: 'signedIn' },
        { email: GRACE, planType: 'pro', accountId: 'acc-grace', active: true, state: 'signedIn' },
      ]),
    );
    const status = await cli(h, 'status');
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(`Signed in as ${GRACE}`);
    expect(status.stdout).toMatch(/Other accounts: 1\b/);
    const json = JSON.parse((await cli(h, 'status', '--json')).stdout) as { otherAccounts: number };
    expect(json.otherAccounts).toBe(1);
  });

  it('hands out each account its own token: `token` the active one, `token --account` the one named', async () => {
    expect(await tokenAccount(h)).toBe('acc-grace');
    expect(await tokenAccount(h, '--account', ADA)).toBe('acc-ada');
    expect(await tokenAccount(h, '--account', 'acc-ada')).toBe('acc-ada');
    const unknown = await cli(h, 'token', '--account', 'nobody@example.com');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain(ADA);
    expect(unknown.stderr).toContain(GRACE);
    expect(unknown.stdout).toBe('');
  });

  it('switches: tools and Codex follow the active account, a pinned tool keeps its own', async () => {
    expect((await cli(h, 'codex', 'enable')).code).toBe(0);
    const authFile = join(codexHome, 'auth.json');
    const codexAccount = async () =>
      (JSON.parse(await readFile(authFile, 'utf8')) as { tokens: { account_id: string } }).tokens.account_id;
    expect(await codexAccount()).toBe('acc-grace');

    // Two tools subscribed to credentials: one follows the active account, one asked for Ada's by name.
    const heard = {
      follower: [] as Array<Record<string, unknown>>,
      pinned: [] as Array<Record<string, unknown>>,
    };
    for (const name of ['follower', 'pinned'] as const) {
      const t = await connectBroker(h.socket, { name: `accounts-${name}` });
      tools.push(t);
      t.onNotification((method, params) => {
        if (method === 'credentials.changed') heard[name].push(params as Record<string, unknown>);
      });
      await t.call('credentials.get', name === 'pinned' ? { account: ADA } : undefined);
      await t.call('subscribe', { topics: ['credentials', 'status'] });
    }

    const unknown = await cli(h, 'switch', 'nobody@example.com');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(
      /Known accounts: .*ada@example\.com.*grace@example\.com|Known accounts: .*grace@example\.com.*ada@example\.com/,
    );

    const r = await cli(h, 'switch', ADA);
    expect(r.code, r.stderr).toBe(0);
    expect(await activeEmail(h)).toBe(ADA);
    expect(await tokenAccount(h)).toBe('acc-ada');

    const switched = await until('the follower hears switched', () =>
      heard.follower.find((p) => p.reason === 'switched'),
    );
    expect(switched).toMatchObject({ accountId: 'acc-ada', access: 'allowed' });
    expect(jwtPayload(switched.accessToken as string)['https://api.openai.com/auth']).toMatchObject({
      chatgpt_account_id: 'acc-ada',
    });
    await until('auth.json follows the switch', async () =>
      (await codexAccount()) === 'acc-ada' ? true : undefined,
    );
    // The pinned tool asked for Ada by name: a switch is not its business.
    expect(heard.pinned.filter((p) => p.reason === 'switched')).toEqual([]);

    expect((await cli(h, 'switch', 'acc-grace')).code).toBe(0);
    await until('auth.json follows the switch back', async () =>
      (await codexAccount()) === 'acc-grace' ? true : undefined,
    );
  });

  it('lists usage per account, as JSON with named windows', async () => {
    chat.setAccountUsage('acc-ada', {
      primary_window: null,
      secondary_window: { used_percent: 61, limit_window_seconds: 604_800, reset_after_seconds: 3 * 86_400 },
    });
    const r = await cli(h, 'usage', '--json', '--refresh');
    expect(r.code, r.stderr).toBe(0);
    const { usage } = JSON.parse(r.stdout) as {
      usage: Array<{
        accountId: string;
        email: string;
        limitReached: boolean;
        windows: Array<{ name: string; usedPercent: number }>;
      }>;
    };
    expect(usage.map((u) => u.accountId).sort()).toEqual(['acc-ada', 'acc-grace']);
    const ada = usage.find((u) => u.accountId === 'acc-ada')!;
    // Only a weekly window: one window, named weekly.
    expect(ada.windows).toEqual([expect.objectContaining({ name: 'weekly', usedPercent: 61 })]);
    expect(ada.limitReached).toBe(false);
    const grace = usage.find((u) => u.accountId === 'acc-grace')!;
    expect(grace.windows.map((w) => w.name)).toEqual(['5h', 'weekly']);
    const one = JSON.parse((await cli(h, 'usage', '--json', '--account', ADA)).stdout) as {
      usage: unknown[];
    };
    expect(one.usage).toHaveLength(1);
    chat.setAccountUsage('acc-ada', null);
  });

  it('keeps every account and the active one across a restart', async () => {
    await host.stop();
    host = await startHost(h);
    const list = await accountsJson(h);
    expect(list.accounts.map((a) => [a.email, a.active, a.state]).sort()).toEqual([
      [ADA, false, 'signedIn'],
      [GRACE, true, 'signedIn'],
    ]);
    expect(await tokenAccount(h, '--account', ADA)).toBe('acc-ada');
  });

  it('replaces the tokens when the same person signs in again: no duplicate', async () => {
    const before = await cli(h, 'token', '--account', ADA);
    await signIn(h, ADA);
    const list = await accountsJson(h);
    expect(list.accounts).toHaveLength(2);
    expect(list.accounts.find((a) => a.active)?.email).toBe(ADA);
    const after = await cli(h, 'token', '--account', ADA);
    expect(after.stdout).not.toBe(before.stdout);
  });

  it('signs out one account, revoked at the server; the other stays and becomes active', async () => {
    const revocations = oidc.stats.revocations;
    const r = await cli(h, 'logout', '--account', ADA);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('revoked');
    expect(oidc.stats.revocations).toBeGreaterThan(revocations);
    const list = await accountsJson(h);
    expect(list.accounts.map((a) => [a.email, a.active])).toEqual([[GRACE, true]]);
    expect(await tokenAccount(h)).toBe('acc-grace');
    expect((await cli(h, 'token', '--account', ADA)).code).toBe(1);
  });

  it('signs every account out with --all', async () => {
    await signIn(h, ADA);
    expect((await accountsJson(h)).accounts).toHaveLength(2);
    const revocations = oidc.stats.revocations;
    expect((await cli(h, 'logout', '--all')).code).toBe(0);
    expect(oidc.stats.revocations - revocations).toBeGreaterThanOrEqual(2);
    expect((await cli(h, 'accounts')).code).toBe(4);
    expect((await cli(h, 'token')).code).toBe(4);
  });
});

describe('automatic switching', () => {
  it('moves off an account at its limit, tells the tools, and stays when every account is limited', async () => {
    const h = await makeHostEnv(oidc.issuer, oidc.clientId, {
      KEYBRIDGE_CHATGPT_BASE: chat.base,
      KEYBRIDGE_AUTO_SWITCH: '1',
    });
    const host = await startHost(h);
    const tool = await connectBroker(h.socket, { name: 'auto-switch-tool' });
    try {
      await signIn(h, 'linus@example.com');
      await signIn(h, ADA);
      await signIn(h, GRACE);
      const heard: Array<Record<string, unknown>> = [];
      tool.onNotification((method, params) => {
        if (method === 'credentials.changed') heard.push(params as Record<string, unknown>);
      });
      await tool.call('credentials.get');
      await tool.call('subscribe', { topics: ['credentials'] });

      // Grace (active) is at her limit; Ada has more room than Linus.
      chat.setAccountUsage('acc-grace', {
        limitReached: true,
        primary_window: { used_percent: 100, limit_window_seconds: 18_000, reset_after_seconds: 1800 },
      });
      chat.setAccountUsage('acc-ada', {
        primary_window: { used_percent: 10, limit_window_seconds: 18_000, reset_after_seconds: 3600 },
      });
      chat.setAccountUsage('acc-linus', {
        primary_window: { used_percent: 70, limit_window_seconds: 18_000, reset_after_seconds: 3600 },
      });
      const r = await cli(h, 'usage', '--refresh');
      expect(r.code, r.stderr).toBe(0);
      await until('the active account moves to Ada', async () =>
        (await activeEmail(h)) === ADA ? true : undefined,
      );
      const switched = await until('the tool hears switched', () =>
        heard.find((p) => p.reason === 'switched'),
      );
      expect(switched).toMatchObject({ accountId: 'acc-ada', access: 'allowed' });
      expect(host.output()).toMatch(/switched to ada@example\.com/);

      // Everyone at the limit: it stays, and says when the first window resets.
      for (const id of ['acc-ada', 'acc-linus']) {
        chat.setAccountUsage(id, {
          limitReached: true,
          primary_window: { used_percent: 100, limit_window_seconds: 18_000, reset_after_seconds: 900 },
        });
      }
      expect((await cli(h, 'usage', '--refresh')).code).toBe(0);
      await until('serve says every account is at its limit', () =>
        /Every signed-in account is at its limit/.test(host.output()) ? true : undefined,
      );
      expect(await activeEmail(h)).toBe(ADA);
    } finally {
      tool.close();
      for (const id of ['acc-ada', 'acc-grace', 'acc-linus']) chat.setAccountUsage(id, null);
      await host.stop();
      await removeHome(h);
    }
  }, 120_000);
});
