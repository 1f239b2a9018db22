/**
 * What crosses Electron IPC to the window carries no secret (docs/design.md "Layout": "the renderer never
 * receives a token or a refresh token, only account facts"; issue #6 part 3). The Electron binary cannot run
 * here, so the IPC transport's Electron-free half is driven instead: `dispatchRendererCall` answers every
 * renderer method, and `statusForRenderer` / `eventForRenderer` shape every push, all against a real core
 * (createHost: real OAuth client, vault, session, models/usage client, tools and Codex sharing) signed in at
 * a real oidc-provider whose tokens live 5 s, so refreshes happen while the calls run. Every token the server
 * issued is then looked for in every envelope and push, as is and base64-encoded.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startChatgptServer, type ChatgptServer } from '../../test/support/chatgpt-server';
import { freePort } from '../../test/support/host';
import { signInOverHttp } from '../../test/support/http-sign-in';
import { startOidcServer, type OidcServer } from '../../test/support/oidc-server';
import { rendererMethods } from '../../core/api/protocol';
import type { CallContext } from '../../core/api/service';
import { loadConfig } from '../../core/config';
import { createHost, type Host } from '../../core/host';
import { createFileKeyCipher } from '../../core/vault/file-key-cipher';
import { dispatchRendererCall, eventForRenderer, statusForRenderer } from './ipc-dispatch';

const ctx: CallContext = { transport: 'ipc' };
let oidc: OidcServer;
let chat: ChatgptServer;
let home: string;
let host: Host;

beforeAll(async () => {
  oidc = await startOidcServer({ accessTokenTtlSeconds: 5 });
  chat = await startChatgptServer({ issuer: oidc.issuer });
  home = await mkdtemp(join(tmpdir(), 'kb-ipc-hygiene-'));
  const config = loadConfig({
    HOME: home,
    KEYBRIDGE_HOME: home,
    KEYBRIDGE_ISSUER: oidc.issuer,
    KEYBRIDGE_CLIENT_ID: oidc.clientId,
    KEYBRIDGE_LOOPBACK_PORT: String(await freePort()),
    KEYBRIDGE_CHATGPT_BASE: chat.base,
    KEYBRIDGE_SOCKET: join(home, 'broker.sock'),
    CODEX_HOME: join(home, 'codex'),
  });
  host = createHost({ config, cipher: await createFileKeyCipher(home), defaultToolPolicy: 'ask' });
  await host.start();
});

afterAll(async () => {
  await host?.close();
  await chat?.close();
  await oidc?.close();
  if (home) await rm(home, { recursive: true, force: true });
});

/** The token as is and as base64 at each alignment (the stretch only it determines). */
function forms(secret: string): string[] {
  const out = new Set([secret]);
  for (let shift = 0; shift < 3; shift += 1) {
    const b64 = Buffer.concat([Buffer.alloc(shift), Buffer.from(secret)]).toString('base64');
    const core = b64.slice(Math.ceil((shift * 4) / 3), -4);
    out.add(core);
    out.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return [...out];
}

it('no renderer call, status push or event push carries a token, while signed in and refreshing', async () => {
  const service = host.service;
  const sent: Array<{ what: string; text: string }> = [];
  const offStatus = service.onStatus((s) =>
    sent.push({ what: `status push (${s.state})`, text: JSON.stringify(statusForRenderer(s) ?? null) }),
  );
  const offEvents = service.onEvent?.((e) =>
    sent.push({
      what: `event push ${e.name}`,
      text: JSON.stringify(eventForRenderer(e.name, e.payload) ?? null),
    }),
  );
  const call = async (method: string, params?: unknown) => {
    const envelope = await dispatchRendererCall(service, { method, params }, ctx);
    sent.push({ what: `${method} ${JSON.stringify(params ?? null)}`, text: JSON.stringify(envelope) });
    return envelope;
  };

  // Sign in the way the window does: auth.login over IPC, the consent in a browser, the redirect back.
  const login = await call('auth.login', { noBrowser: true });
  expect(login.ok).toBe(true);
  await signInOverHttp((login as { result: { url: string } }).result.url, 'ada@example.com');
  await host.session.waitForSignIn();

  const called = new Set<string>(['auth.login']);
  const everyCall = async () => {
    const steps: Array<[string, unknown?]> = [
      ['status.get'],
      ['models.list'],
      ['models.list', { refresh: true }],
      ['models.select', { slug: 'gpt-5.1' }],
      ['usage.get'],
      ['usage.get', { refresh: true }],
      ['tools.list'],
      ['tools.decide', { name: 'some-tool', allow: true }],
      ['tools.revoke', { name: 'some-tool' }],
      ['codex.status'],
      ['codex.enable'],
      ['codex.status'],
      ['codex.disable'],
      ['accounts.list'],
      ['accounts.switch', { account: 'ada@example.com' }],
      ['accounts.setAutoSwitch', { enabled: true }],
      ['accounts.setPinned', { pinned: false }],
      ['auth.openUrl', { url: 'http://localhost:1455/auth/callback?code=forged&state=forged' }],
    ];
    for (const [method, params] of steps) {
      await call(method, params);
      called.add(method);
    }
  };
  await everyCall();
  // A refresh or two later (5 s tokens are refreshed 1.25 s early), and one forced: everything again.
  const grants = oidc.stats.refreshGrants;
  await host.session.refresh();
  await new Promise((r) => setTimeout(r, 4_500));
  expect(oidc.stats.refreshGrants).toBeGreaterThanOrEqual(grants + 2);
  await everyCall();
  // A tool would get a token from these; the window is refused them outright.
  for (const method of ['credentials.get', 'credentials.invalidate']) {
    const refused = await call(
      method,
      method === 'credentials.get' ? undefined : { tokenSha256: 'a'.repeat(64) },
    );
    expect(refused).toMatchObject({ ok: false, error: { code: 'method_not_allowed' } });
  }
  // Start a second sign-in and cancel it, then sign out.
  await call('auth.login', { noBrowser: true });
  await call('auth.cancel');
  expect(await call('auth.logout')).toMatchObject({ ok: true });
  called.add('auth.cancel').add('auth.logout');
  await call('status.get');
  offStatus();
  offEvents?.();

  // Every renderer method was called, and answered within its schema (an answer outside it is `internal`).
  expect([...called].sort()).toEqual([...rendererMethods].sort());
  const internal = sent.filter((s) => s.text.includes('"code":"internal"'));
  expect(internal.map((s) => s.what)).toEqual([]);
  expect(sent.some((s) => s.what.startsWith('status push (refreshing)'))).toBe(true);
  expect(sent.some((s) => s.what === 'event push codex.changed')).toBe(true);
  expect(sent.find((s) => s.what.startsWith('models.list'))?.text).toContain('gpt-5.1-codex');

  const secrets = [
    ...oidc.issued.accessTokens,
    ...oidc.issued.refreshTokens,
    ...oidc.issued.idTokens,
    ...oidc.issued.codes,
  ];
  expect(oidc.issued.refreshTokens.length).toBeGreaterThanOrEqual(3);
  const leaks: string[] = [];
  for (const [i, secret] of secrets.entries()) {
    const patterns = forms(secret);
    for (const s of sent)
      if (patterns.some((p) => s.text.includes(p))) leaks.push(`secret #${i + 1} in ${s.what}`);
  }
  expect(leaks).toEqual([]);
}, 30_000);
