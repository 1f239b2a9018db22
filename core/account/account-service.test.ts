/**
 * The account service against the real parts: a real oidc-provider issues the tokens (signed in over HTTP),
 * a real Session holds them, and the ChatGPT stand-in (test/support/chatgpt-server.ts) checks them and
 * answers per plan. The clock is the only thing the tests move.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { providerFor, rejection } from '../../test/support/auth-fixtures';
import { startChatgptServer, type ChatgptServer } from '../../test/support/chatgpt-server';
import { signInOverHttp } from '../../test/support/http-sign-in';
import { startOidcServer, type OidcServer } from '../../test/support/oidc-server';
import { createOAuthClient } from '../auth/client';
import { Session } from '../session/session';
import { SettingsFile } from '../settings-file';
import { createFileKeyCipher } from '../vault/file-key-cipher';
import { Vault } from '../vault/vault';
import { AccountService, type AccountServiceOptions } from './account-service';
import { createChatgptClient, type TokenSource } from './chatgpt-client';
import { ModelCache } from './model-cache';

const PLUS_SLUGS = ['gpt-5.1-codex', 'gpt-5.1', 'gpt-5.1-codex-mini'];
const PRO_SLUGS = ['gpt-5.1-codex-max', 'gpt-5.1-codex', 'gpt-5.1', 'gpt-5.1-codex-mini', 'gpt-5-pro'];
const HOUR = 3_600_000;

let oidc: OidcServer;
let chat: ChatgptServer;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  oidc = await startOidcServer({
    accounts: {
      ada: { plan: 'plus', accountId: 'acc-ada', email: 'ada@example.com' },
      grace: { plan: 'pro', accountId: 'acc-grace', email: 'grace@example.com' },
      linus: { plan: 'plus', accountId: 'acc-linus', email: 'linus@example.com' },
    },
  });
  chat = await startChatgptServer({ issuer: oidc.issuer });
});
afterAll(async () => {
  await chat?.close();
  await oidc?.close();
});
afterEach(async () => {
  await chat.setMode('online');
  chat.rejectAllTokens(false);
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

/** A real Session signed in as `login` at the test authorization server, in a fresh data folder. */
async function signedIn(login: string, home?: string) {
  const dir = home ?? (await mkdtemp(join(tmpdir(), 'kb-account-')));
  if (!home) cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const auth = createOAuthClient(providerFor(oidc.issuer, oidc.clientId, { chatgptBase: chat.base }));
  const cipher = await createFileKeyCipher(dir);
  const session = new Session({ auth, vault: new Vault({ dir, cipher }), storage: cipher.info });
  cleanups.push(() => session.close());
  await session.start();
  if (!home) {
    const attempt = await session.login();
    await signInOverHttp(attempt.url, login);
    await session.waitForSignIn();
  }
  return { home: dir, session };
}

/** The service as the host builds it; `clock.offset` moves its "now". */
function service(
  session: Session,
  home: string,
  extra: Partial<AccountServiceOptions> & { tokens?: TokenSource } = {},
) {
  const clock = { offset: 0 };
  const now = () => Date.now() + clock.offset;
  const logged: string[] = [];
  const log = (line: string) => logged.push(line);
  const svc = new AccountService({
    session,
    client: createChatgptClient({
      baseUrl: chat.base,
      tokens: extra.tokens ?? session,
      clientVersion: '0.1.0',
      timeoutMs: 3000,
    }),
    cache: new ModelCache(home, log),
    settings: new SettingsFile(home, log),
    now,
    log,
    ...extra,
  });
  cleanups.push(() => svc.close());
  return { svc, clock, logged };
}

async function until<T>(what: string, fn: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('models', () => {
  it('fetches the list at sign-in, serves it from memory within the hour, and caches it without tokens', async () => {
    const { session, home } = await signedIn('ada');
    const before = chat.stats.models;
    const { svc } = service(session, home);
    await svc.start();
    await until('the sign-in fetch', () => (chat.stats.models > before ? true : undefined));

    const list = await svc.listModels();
    expect(list.models.map((m) => m.slug)).toEqual(PLUS_SLUGS);
    expect(list).toMatchObject({ selected: null, source: 'server', stale: false, planType: 'plus' });
    expect(list.error).toBeUndefined();
    expect(Date.now() - Date.parse(list.fetchedAt!)).toBeLessThan(10_000);
    await svc.listModels();
    await svc.listModels();
    expect(chat.stats.models).toBe(before + 1);
    const req = chat.requests.findLast((r) => r.path.endsWith('/codex/models'))!;
    expect(req).toMatchObject({ status: 200, plan: 'plus', accountId: 'acc-ada', clientVersion: '0.1.0' });

    const files = await readdir(join(home, 'cache'));
    expect(files).toEqual(['models-acc-ada.json']);
    const cached = await readFile(join(home, 'cache', files[0]!), 'utf8');
    expect(JSON.parse(cached)).toMatchObject({ accountId: 'acc-ada', planType: 'plus', etag: /^".+"$/ });
    const { accessToken } = await session.credentials();
    expect(cached).not.toContain(accessToken);
    expect(cached).not.toMatch(/eyJ/);
  });

  it('asks again after an hour with If-None-Match and keeps the list on 304', async () => {
    const { session, home } = await signedIn('ada');
    const { svc, clock } = service(session, home);
    const first = await svc.listModels();
    const etag = JSON.parse(await readFile(join(home, 'cache', 'models-acc-ada.json'), 'utf8')).etag;
    const before = { models: chat.stats.models, notModified: chat.stats.notModified };

    clock.offset = 59 * 60_000;
    await svc.listModels();
    expect(chat.stats.models).toBe(before.models);

    clock.offset = 61 * 60_000;
    const again = await svc.listModels();
    expect(chat.stats.models).toBe(before.models + 1);
    expect(chat.stats.notModified).toBe(before.notModified + 1);
    expect(chat.requests.at(-1)).toMatchObject({ status: 304, ifNoneMatch: etag });
    expect(again.models).toEqual(first.models);
    expect(Date.parse(again.fetchedAt!) - Date.parse(first.fetchedAt!)).toBeGreaterThanOrEqual(61 * 60_000);
    expect(again).toMatchObject({ source: 'server', stale: false });
  });

  it('asks again at every sign-in, but a restored session keeps a saved list younger than an hour', async () => {
    const { session, home } = await signedIn('ada');
    const { svc } = service(session, home);
    await svc.start();
    await svc.listModels();
    const before = { models: chat.stats.models, notModified: chat.stats.notModified };

    await session.logout();
    await signInOverHttp((await session.login()).url, 'ada');
    await session.waitForSignIn();
    await until('the sign-in fetch', () => (chat.stats.models > before.models ? true : undefined));
    expect(chat.stats.notModified).toBe(before.notModified + 1);
    expect(chat.requests.at(-1)?.ifNoneMatch).toMatch(/^".+"$/);

    // The next start of the host with this session: nothing asked, the saved list is served.
    const restarted = service(session, home).svc;
    await restarted.start();
    expect((await restarted.listModels()).models.map((m) => m.slug)).toEqual(PLUS_SLUGS);
    expect(chat.stats.models).toBe(before.models + 1);
  });

  it('gives a Plus and a Pro account their own lists', async () => {
    const ada = await signedIn('ada');
    const grace = await signedIn('grace');
    const plus = await service(ada.session, ada.home).svc.listModels();
    const pro = await service(grace.session, grace.home).svc.listModels();
    expect(plus.models.map((m) => m.slug)).toEqual(PLUS_SLUGS);
    expect(pro.models.map((m) => m.slug)).toEqual(PRO_SLUGS);
    expect(pro.planType).toBe('pro');
    expect(pro.models[0]).toMatchObject({
      displayName: 'GPT-5.1 Codex Max',
      contextWindow: 400_000,
      reasoningLevels: ['low', 'medium', 'high', 'xhigh'],
    });
  });

  it('fetches a new list, without the old ETag, when the plan changes', async () => {
    const { session, home } = await signedIn('linus');
    const { svc } = service(session, home);
    await svc.start();
    await until('the plus list', async () =>
      (await svc.listModels()).models.length === 3 ? true : undefined,
    );
    oidc.setAccount('linus', { plan: 'pro', accountId: 'acc-linus', email: 'linus@example.com' });
    try {
      const before = chat.stats.models;
      await session.refresh(); // the next refresh carries the new plan; the session reports it
      const list = await until('the pro list', async () => {
        const l = await svc.listModels();
        return l.planType === 'pro' && l.models.length === PRO_SLUGS.length ? l : undefined;
      });
      expect(list.models.map((m) => m.slug)).toEqual(PRO_SLUGS);
      expect(chat.stats.models).toBe(before + 1);
      expect(chat.requests.at(-1)).toMatchObject({ status: 200, plan: 'pro', ifNoneMatch: undefined });
    } finally {
      oidc.setAccount('linus', { plan: 'plus', accountId: 'acc-linus', email: 'linus@example.com' });
    }
  });

  it('never forces a refresh of a token that is still valid, however short its life', async () => {
    const shortOidc = await startOidcServer({ accessTokenTtlSeconds: 20 });
    const shortChat = await startChatgptServer({ issuer: shortOidc.issuer });
    cleanups.push(() => shortOidc.close());
    cleanups.push(() => shortChat.close());
    const dir = await mkdtemp(join(tmpdir(), 'kb-account-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const auth = createOAuthClient(providerFor(shortOidc.issuer, shortOidc.clientId));
    const cipher = await createFileKeyCipher(dir);
    const session = new Session({ auth, vault: new Vault({ dir, cipher }), storage: cipher.info });
    cleanups.push(() => session.close());
    await session.start();
    await signInOverHttp((await session.login()).url, 'ada');
    await session.waitForSignIn();
    const svc = new AccountService({
      session,
      client: createChatgptClient({ baseUrl: shortChat.base, tokens: session, clientVersion: '0.1.0' }),
      cache: new ModelCache(dir),
      settings: new SettingsFile(dir),
    });
    cleanups.push(() => svc.close());
    await svc.start();
    expect((await svc.listModels()).models.length).toBeGreaterThan(0);
    await svc.usage();
    expect(shortOidc.stats.refreshGrants).toBe(0);
  });

  it('on a 401 refreshes the session exactly once and retries exactly once', async () => {
    const { session, home } = await signedIn('ada');
    const { svc } = service(session, home);
    const { accessToken } = await session.credentials();
    chat.revokeToken(accessToken);
    const grants = oidc.stats.refreshGrants;
    const requests = chat.stats.models;

    const list = await svc.listModels({ refresh: true });
    expect(list.models.map((m) => m.slug)).toEqual(PLUS_SLUGS);
    expect(list.error).toBeUndefined();
    expect(oidc.stats.refreshGrants).toBe(grants + 1);
    expect(chat.stats.models).toBe(requests + 2);
    expect(chat.requests.slice(-2).map((r) => r.status)).toEqual([401, 200]);
    expect((await session.credentials()).accessToken).not.toBe(accessToken);
  });

  it('never loops on 401: one refresh, one retry, then the cached list with the error', async () => {
    const { session, home } = await signedIn('ada');
    const { svc } = service(session, home);
    await svc.listModels();
    chat.rejectAllTokens(true);
    const grants = oidc.stats.refreshGrants;
    const requests = chat.stats.models;

    const list = await svc.listModels({ refresh: true });
    expect(oidc.stats.refreshGrants).toBe(grants + 1);
    expect(chat.stats.models).toBe(requests + 2);
    expect(list.error?.code).toBe('chatgpt_denied');
    expect(list).toMatchObject({ stale: true, source: 'cache' });
    expect(list.models.map((m) => m.slug)).toEqual(PLUS_SLUGS);
  });

  it('does not refresh again for a 401 to a token that was already replaced', async () => {
    const { session, home } = await signedIn('ada');
    const { svc } = service(session, home);
    chat.revokeToken((await session.credentials()).accessToken);
    const grants = oidc.stats.refreshGrants;
    // The usage request leaves with the same token but its 401 arrives after the list's refresh is done.
    chat.setLatency('usage', 700);
    try {
      const [list, usage] = await Promise.all([svc.listModels({ refresh: true }), svc.usage()]);
      expect(list.error).toBeUndefined();
      expect(usage.error).toBeUndefined();
      expect(usage.primary?.usedPercent).toBe(42);
      expect(oidc.stats.refreshGrants).toBe(grants + 1);
    } finally {
      chat.setLatency('usage', 0);
    }
  });

  it('offline: serves the saved list flagged stale with its age, and does not hammer the server', async () => {
    const first = await signedIn('ada');
    const saved = await service(first.session, first.home).svc.listModels();
    await first.session.close();

    // The next morning, offline: a new host process on the same data folder.
    const { session } = await signedIn('ada', first.home);
    await chat.setMode('offline');
    const { svc, clock } = service(session, first.home);
    clock.offset = 3 * HOUR;
    const list = await svc.listModels();
    expect(list.models).toEqual(saved.models);
    expect(list).toMatchObject({
      stale: true,
      source: 'cache',
      fetchedAt: saved.fetchedAt,
      planType: 'plus',
    });
    expect(list.error).toMatchObject({ code: 'chatgpt_unreachable' });
    expect(list.error!.message).toMatch(/ECONNREFUSED|could not be reached/);

    // A server that answers 500 is counted: a failed attempt is not repeated within a minute.
    await chat.setMode('error');
    const faulted = chat.stats.faulted;
    clock.offset += 61_000;
    expect((await svc.listModels()).error?.code).toBe('chatgpt_error');
    await svc.listModels();
    await svc.listModels();
    expect(chat.stats.faulted).toBe(faulted + 1);

    // Back online: the next ask after the pause gets a fresh answer and clears the flag.
    await chat.setMode('online');
    clock.offset += 61_000;
    const back = await svc.listModels();
    expect(back).toMatchObject({ stale: false, source: 'server' });
    expect(back.error).toBeUndefined();
  });

  it('with no saved list and a failing server answers an empty list and the error, not a crash', async () => {
    const { session, home } = await signedIn('ada');
    await chat.setMode('error');
    const list = await service(session, home).svc.listModels();
    expect(list).toMatchObject({ models: [], fetchedAt: null, stale: true, selected: null });
    expect(list.error?.code).toBe('chatgpt_error');
    expect(list.error?.message).toMatch(/HTTP 500/);
  });

  it('reports a 403 when the account header does not match the token', async () => {
    const { session, home } = await signedIn('ada');
    const wrongAccount: TokenSource = {
      credentials: async (ttl) => ({ ...(await session.credentials(ttl)), accountId: 'acc-grace' }),
      refresh: () => session.refresh(),
    };
    const list = await service(session, home, { tokens: wrongAccount }).svc.listModels();
    expect(list.error?.code).toBe('chatgpt_denied');
    expect(list.error?.message).toMatch(/403/);
    expect(chat.requests.at(-1)).toMatchObject({ status: 403, accountId: 'acc-grace' });
  });

  it('refuses to answer when nobody is signed in', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kb-account-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const { session } = await signedIn('ada', dir);
    const { svc } = service(session, dir);
    expect((await rejection(svc.listModels())).code).toBe('not_signed_in');
    expect((await rejection(svc.usage())).code).toBe('not_signed_in');
  });
});

describe('selected model', () => {
  it('is chosen from the list, persisted per account, reported in the status and kept across restarts', async () => {
    const { session, home } = await signedIn('ada');
    const { svc } = service(session, home);
    await svc.start();
    let changes = 0;
    svc.onSelectionChange(() => (changes += 1));

    const picked = await svc.selectModel('gpt-5.1');
    expect(picked.selected).toBe('gpt-5.1');
    expect(changes).toBe(1);
    expect(svc.decorate(session.status()).selectedModel).toBe('gpt-5.1');
    expect((await svc.listModels()).selected).toBe('gpt-5.1');
    const settings = JSON.parse(await readFile(join(home, 'settings.json'), 'utf8'));
    expect(settings).toEqual({ selectedModels: { 'acc-ada': 'gpt-5.1' } });

    const bad = await rejection(svc.selectModel('gpt-5-pro'));
    expect(bad.code).toBe('invalid_params');
    expect(bad.message).toMatch(/not one of the models.*gpt-5\.1-codex, gpt-5\.1, gpt-5\.1-codex-mini/);
    expect((await svc.listModels()).selected).toBe('gpt-5.1');

    const restarted = service(session, home).svc;
    await restarted.start();
    expect(restarted.decorate(session.status()).selectedModel).toBe('gpt-5.1');
    expect((await restarted.listModels()).selected).toBe('gpt-5.1');
  });

  it('is not reported for a model the account’s current list no longer offers', async () => {
    const { session, home } = await signedIn('grace');
    const { svc } = service(session, home);
    await svc.selectModel('gpt-5-pro');
    expect(svc.decorate(session.status()).selectedModel).toBe('gpt-5-pro');
    chat.setModels('pro', []);
    try {
      const list = await svc.listModels({ refresh: true });
      expect(list.selected).toBeNull();
      expect(svc.decorate(session.status()).selectedModel).toBeUndefined();
    } finally {
      const { DEFAULT_MODELS } = await import('../../test/support/chatgpt-server');
      chat.setModels('pro', DEFAULT_MODELS.pro!);
    }
  });
});

describe('usage', () => {
  it('reads the windows per plan and asks the server at most once a minute', async () => {
    const { session, home } = await signedIn('ada');
    const { svc, clock } = service(session, home);
    const before = chat.stats.usage;
    const u = await svc.usage();
    expect(u.primary).toMatchObject({ usedPercent: 42, windowSeconds: 18_000 });
    expect(u.secondary).toMatchObject({ usedPercent: 17, windowSeconds: 604_800 });
    const resetIn = Date.parse(u.primary!.resetsAt!) - Date.now();
    expect(resetIn).toBeGreaterThan(2 * HOUR);
    expect(resetIn).toBeLessThan(2 * HOUR + 11 * 60_000);
    expect(u).toMatchObject({ source: 'server', planType: 'plus' });

    await svc.usage();
    clock.offset = 30_000;
    await svc.usage();
    expect(chat.stats.usage).toBe(before + 1);
    clock.offset = 61_000;
    await svc.usage();
    expect(chat.stats.usage).toBe(before + 2);

    const grace = await signedIn('grace');
    const pro = await service(grace.session, grace.home).svc.usage();
    expect(pro.primary?.usedPercent).toBe(8);
    expect(pro.secondary?.usedPercent).toBe(3);
  });

  it('keeps the last numbers with the error when the server cannot be reached', async () => {
    const { session, home } = await signedIn('ada');
    const { svc, clock } = service(session, home);
    const first = await svc.usage();
    await chat.setMode('offline');
    clock.offset = 61_000;
    const offline = await svc.usage();
    expect(offline.primary).toEqual(first.primary);
    expect(offline).toMatchObject({ source: 'cache', fetchedAt: first.fetchedAt });
    expect(offline.error?.code).toBe('chatgpt_unreachable');
  });

  it('tolerates a plan whose answer has no windows', async () => {
    const { session, home } = await signedIn('ada');
    chat.setUsage('plus', {});
    try {
      const u = await service(session, home).svc.usage();
      expect(u.primary).toBeUndefined();
      expect(u.secondary).toBeUndefined();
      expect(u.error).toBeUndefined();
    } finally {
      const { DEFAULT_USAGE } = await import('../../test/support/chatgpt-server');
      chat.setUsage('plus', DEFAULT_USAGE.plus!);
    }
  });
});
