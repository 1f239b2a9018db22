/**
 * Secret hygiene over a whole life (issue #6, part 3; docs/design.md "Quality bars": "no token or refresh
 * token in any log, any renderer state, any crash output or any file but the vault (and the opted-in Codex
 * file)").
 *
 * One host lives through everything a user does: `keybridge serve --ui` against a real oidc-provider whose
 * access tokens live 6 s (so the host refreshes every few seconds on its own), a sign-in through the UI in
 * Chromium, models and usage from the ChatGPT stand-in, a tool on the broker approved in the UI and
 * subscribed to credentials, `keybridge token`, `keybridge exec`, `keybridge watch` running throughout,
 * sharing with Codex CLI switched on and off, refreshes forced by `--min-ttl` and `invalidate`, then sign-out
 * from the UI. Every secret the authorization server handed out is collected from its side (each token
 * response and each redirect's code, test/support/oidc-server.ts `issued`), and the vault is read at each
 * step to prove that collection complete. Then every place a secret must never reach is scanned for each
 * one, also base64- and URL-encoded and (for JWTs) for the signature alone: the host's stdout and stderr,
 * every file of the data folder but the vault, Codex's folder, every CLI output but the token itself and
 * exec's child, watch's NDJSON, the status objects, every WebSocket frame between the UI and the host, and
 * the renderer's state (every string held by the React tree — the zustand selections included — and the
 * DOM, storage and cookies).
 *
 * The channels that exist to carry a token are checked for what they carry: the tool and `keybridge token`
 * get access tokens only, Codex's auth.json has `"refresh_token": ""`, exec's child gets the current token.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connectBroker } from '../../core/broker/client';
import { connect, type KeybridgeClient, type KeybridgeEvent } from '../../client/index';
import { createFileKeyCipher } from '../../core/vault/file-key-cipher';
import { Vault } from '../../core/vault/vault';
import { activeSession } from '../../core/vault/contents';
import { completeConsent } from '../../e2e/support/consent';
import { launchBrowser } from '../support/browser';
import { startChatgptServer, type ChatgptServer } from '../support/chatgpt-server';
import {
  cli,
  makeHostEnv,
  removeHome,
  runCli,
  startHost,
  type CliResult,
  type HostEnv,
  type RunningHost,
} from '../support/host';
import { startOidcServer, type OidcServer } from '../support/oidc-server';
import { signIn, until } from '../support/signed-in-host';

const LOGIN = 'ada@example.com';
/** A second account, signed in beside the first (docs/accounts.md): its tokens must not leak either. */
const SECOND = 'grace@example.com';
const TTL_SECONDS = 6;

let oidc: OidcServer;
let chat: ChatgptServer;
let browser: Browser;
let h: HostEnv;
let host: RunningHost | undefined;
let codexHome: string;
let agent: KeybridgeClient | undefined;

beforeAll(async () => {
  oidc = await startOidcServer({
    accessTokenTtlSeconds: TTL_SECONDS,
    accounts: {
      [LOGIN]: { plan: 'plus', accountId: 'acc-ada' },
      [SECOND]: { plan: 'pro', accountId: 'acc-grace' },
    },
  });
  [chat, browser] = await Promise.all([startChatgptServer({ issuer: oidc.issuer }), launchBrowser()]);
  codexHome = join(await mkdtemp(join(tmpdir(), 'kb-hygiene-codex-')), 'codex');
  h = await makeHostEnv(oidc.issuer, oidc.clientId, {
    KEYBRIDGE_CHATGPT_BASE: chat.base,
    KEYBRIDGE_TOOL_POLICY: 'ask',
    KEYBRIDGE_APPROVAL_TIMEOUT: '60',
    CODEX_HOME: codexHome,
  });
});

afterAll(async () => {
  agent?.close();
  await host?.stop();
  await browser?.close();
  await chat?.close();
  await oidc?.close();
  if (h) await removeHome(h);
  if (codexHome) await rm(join(codexHome, '..'), { recursive: true, force: true });
});

/** Every form in which a secret could be written down: as is, base64 at any alignment, URL-encoded. */
function forms(secret: string): string[] {
  const out = new Set([secret, encodeURIComponent(secret)]);
  const bytes = Buffer.from(secret, 'utf8');
  for (let shift = 0; shift < 3; shift += 1) {
    // Embedded in a longer base64 text the encoding depends on the byte offset: drop the characters that
    // mix in the bytes before and after, keep the stretch that only this secret determines.
    const b64 = Buffer.concat([Buffer.alloc(shift), bytes]).toString('base64');
    const core = b64.slice(Math.ceil((shift * 4) / 3), -4);
    out.add(core);
    out.add(core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  // A JWT's signature alone identifies it (and is what makes it usable).
  const parts = secret.split('.');
  if (parts.length === 3 && parts[2]!.length >= 32) out.add(parts[2]!);
  return [...out].filter((f) => f.length >= 16);
}

interface Haystack {
  where: string;
  text: string;
}

async function filesUnder(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else if (e.isFile()) out.push(p);
  }
  return out;
}

async function readAllAccounts() {
  return new Vault({ dir: h.home, cipher: await createFileKeyCipher(h.home) }).load();
}

async function readVault() {
  return activeSession(await readAllAccounts());
}

/**
 * Everything the page holds: each string reachable from the React tree's props and hook state (the store's
 * selections live there), the DOM with its attributes, web storage, cookies and the address.
 */
function dumpRenderer(page: Page): Promise<string> {
  return page.evaluate(() => {
    const strings: string[] = [];
    const seen = new WeakSet<object>();
    const skip = new Set(['_owner', '_store', 'return', 'child', 'sibling', 'alternate', 'stateNode']);
    const visit = (value: unknown, depth: number): void => {
      if (typeof value === 'string') strings.push(value);
      if (typeof value !== 'object' || value === null || depth > 40) return;
      if (seen.has(value) || value instanceof Node) return;
      seen.add(value);
      for (const key of Object.keys(value)) {
        if (!skip.has(key)) visit((value as Record<string, unknown>)[key], depth + 1);
      }
    };
    const root = document.getElementById('root') as (HTMLElement & Record<string, unknown>) | null;
    const key = root ? Object.keys(root).find((k) => k.startsWith('__reactContainer$')) : undefined;
    type Fiber = { memoizedProps?: unknown; memoizedState?: unknown; child?: Fiber; sibling?: Fiber };
    const stack: Fiber[] = key ? [root![key] as Fiber] : [];
    let fibers = 0;
    while (stack.length > 0) {
      const fiber = stack.pop()!;
      fibers += 1;
      visit(fiber.memoizedProps, 0);
      visit(fiber.memoizedState, 0);
      if (fiber.sibling) stack.push(fiber.sibling);
      if (fiber.child) stack.push(fiber.child);
    }
    return [
      `fibers: ${fibers}`,
      ...strings,
      document.documentElement.outerHTML,
      JSON.stringify({ ...localStorage }),
      JSON.stringify({ ...sessionStorage }),
      document.cookie,
      location.href,
    ].join('\n');
  });
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

it('no token, refresh token, id_token or code ever reaches a log, a file, an output, the UI or its traffic', async () => {
  const haystacks: Haystack[] = [];
  const keep = (where: string, r: CliResult) => {
    haystacks.push(
      { where: `${where} stdout`, text: r.stdout },
      { where: `${where} stderr`, text: r.stderr },
    );
  };
  /** Tokens handed over on purpose (tool, `keybridge token`): must be ones the server issued. */
  const handedOut = new Set<string>();
  const vaultSeen = new Set<string>();
  const snapshotVault = async () => {
    for (const { session: v } of Object.values((await readAllAccounts())?.accounts ?? {})) {
      for (const t of [v.accessToken, v.refreshToken, v.idToken]) if (t) vaultSeen.add(t);
    }
  };

  host = await startHost(h, ['--ui']);
  const link = await until('the UI link', () => /Open the Keybridge UI: (\S+)/.exec(host!.output())?.[1]);
  const watch = runCli(h, ['watch'], { timeoutMs: 120_000 });

  // The UI, with every WebSocket frame both ways recorded.
  const context = await browser.newContext({ viewport: { width: 480, height: 1000 } });
  const page = await context.newPage();
  const frames: string[] = [];
  page.on('websocket', (ws) => {
    ws.on('framesent', (f) => frames.push(String(f.payload)));
    ws.on('framereceived', (f) => frames.push(String(f.payload)));
  });
  await page.goto(link);
  await page.getByRole('heading', { name: 'Connect your OpenAI account' }).waitFor();
  const dumps: string[] = [await dumpRenderer(page)];

  // Sign in from the UI: the button opens the consent in a new tab.
  const consentTab = context.waitForEvent('page');
  await page.getByRole('button', { name: 'Sign in with OpenAI' }).click();
  const consent = await consentTab;
  await page.getByRole('heading', { name: 'Waiting for the browser…' }).waitFor();
  dumps.push(await dumpRenderer(page));
  await completeConsent(consent, { login: LOGIN });
  await page.getByRole('heading', { name: LOGIN }).waitFor();
  await consent.close();
  await snapshotVault();

  // Models and usage from the ChatGPT stand-in, shown in the UI.
  const models = page.getByRole('region', { name: 'Models' });
  await until('the models list', async () =>
    (await models.getByRole('radio').count()) === 3 ? true : undefined,
  );
  await page.getByRole('meter', { name: '5-hour limit' }).waitFor();
  expect(chat.stats.models).toBeGreaterThan(0);
  expect(chat.stats.usage).toBeGreaterThan(0);
  dumps.push(await dumpRenderer(page));

  // A tool subscribes over the broker and asks for credentials; the user allows it in the UI.
  agent = await connect({ name: 'hygiene-agent', socketPath: h.socket });
  const agentEvents: KeybridgeEvent[] = [];
  await agent.subscribe(['status', 'credentials'], (e) => agentEvents.push(e));
  const firstCreds = agent.getCredentials();
  const allow = async (name: string) => {
    const prompt = page.getByRole('alertdialog', { name: `Allow «${name}» to use your OpenAI session?` });
    await prompt.waitFor();
    dumps.push(await dumpRenderer(page));
    await prompt.getByRole('button', { name: 'Allow' }).click();
    await prompt.waitFor({ state: 'detached' });
  };
  await allow('hygiene-agent');
  handedOut.add((await firstCreds).accessToken);

  // The CLI is a tool too: `keybridge token` waits for its own approval.
  const firstToken = runCli(h, ['token']);
  await allow('keybridge-cli');
  const tokenOut = await firstToken.done;
  expect(tokenOut.code).toBe(0);
  expect(tokenOut.stderr).not.toContain(tokenOut.stdout.trim());
  keep('token (stderr only)', { ...tokenOut, stdout: '' });
  handedOut.add(tokenOut.stdout.trim());
  const tokenJson = await cli(h, 'token', '--json');
  handedOut.add(JSON.parse(tokenJson.stdout).accessToken);
  keep('token --json (stderr only)', { ...tokenJson, stdout: '' });

  // exec: the child gets the current token in its environment and prints only its hash.
  const exec = await cli(
    h,
    'exec',
    '--',
    process.execPath,
    '-e',
    "const t=process.env.OPENAI_ACCESS_TOKEN;console.log(require('node:crypto').createHash('sha256').update(t).digest('hex'), process.env.CHATGPT_ACCOUNT_ID)",
  );
  expect(exec.code).toBe(0);
  keep('exec', exec);
  const [execHash, execAccount] = exec.stdout.trim().split(' ');
  expect(execAccount).toBe('acc-ada');

  // Sharing with Codex CLI, on through a refresh, then off.
  const authFile = join(codexHome, 'auth.json');
  keep('codex enable', await cli(h, 'codex', 'enable'));
  const codexTexts: string[] = [await readFile(authFile, 'utf8')];
  const sharedFirst = JSON.parse(codexTexts[0]!).tokens.access_token as string;
  const forced = await cli(h, 'token', '--min-ttl', '86400'); // a refresh right now
  handedOut.add(forced.stdout.trim());
  keep('token --min-ttl (stderr only)', { ...forced, stdout: '' });
  codexTexts.push(
    await until('auth.json to carry the refreshed token', async () => {
      const text = await readFile(authFile, 'utf8');
      return JSON.parse(text).tokens.access_token !== sharedFirst ? text : undefined;
    }),
  );
  keep('codex status', await cli(h, 'codex', 'status', '--json'));
  keep('codex disable', await cli(h, 'codex', 'disable'));
  expect(existsSync(authFile)).toBe(false);
  await snapshotVault();

  // A second account beside the first: listed, used by name, switched to and back, its usage read, signed
  // out again. Its tokens join the ones that must never leak.
  await signIn(h, SECOND);
  await snapshotVault();
  keep('accounts', await cli(h, 'accounts'));
  keep('accounts --json', await cli(h, 'accounts', '--json'));
  const second = await cli(h, 'token', '--account', SECOND);
  expect(second.code).toBe(0);
  handedOut.add(second.stdout.trim());
  keep('token --account (stderr only)', { ...second, stdout: '' });
  keep('usage --json', await cli(h, 'usage', '--json', '--refresh'));
  keep('usage', await cli(h, 'usage'));
  keep('switch', await cli(h, 'switch', LOGIN));
  keep('status with two accounts', await cli(h, 'status'));
  dumps.push(await dumpRenderer(page));
  keep('logout --account', await cli(h, 'logout', '--account', SECOND));
  await snapshotVault();

  // The other CLI outputs and what a probe on the broker sees.
  keep('status', await cli(h, 'status'));
  keep('status --json', await cli(h, 'status', '--json'));
  keep('models', await cli(h, 'models'));
  keep('models --json', await cli(h, 'models', '--json'));
  const probe = await connectBroker(h.socket, { name: 'hygiene-probe', version: '1' });
  try {
    haystacks.push({ where: 'broker status.get', text: JSON.stringify(await probe.call('status.get')) });
    haystacks.push({ where: 'broker usage.get', text: JSON.stringify(await probe.call('usage.get')) });
    haystacks.push({ where: 'broker models.list', text: JSON.stringify(await probe.call('models.list')) });
  } finally {
    probe.close();
  }

  // The host keeps refreshing on its own (a 6 s token is refreshed 1.5 s early); a tool's 401 forces one more.
  const grantsAtSignIn = oidc.stats.refreshGrants;
  await until(
    'three more refreshes',
    () => (oidc.stats.refreshGrants >= grantsAtSignIn + 3 ? true : undefined),
    30_000,
  );
  await snapshotVault();
  const beforeInvalidate = await agent.getCredentials();
  handedOut.add(beforeInvalidate.accessToken);
  handedOut.add((await agent.invalidate(beforeInvalidate.accessToken)).accessToken);
  await snapshotVault();
  dumps.push(await dumpRenderer(page));
  expect(dumps.at(-1)).toContain(LOGIN); // the dump does reach the account the store holds
  expect(dumps.at(-1)).toContain('gpt-5.1-codex');

  // Sign out from the UI, after its confirmation.
  await page.getByRole('button', { name: 'Sign out' }).click();
  const confirm = page.getByRole('group', { name: /^Sign out of ada@example\.com\?/ });
  await confirm.waitFor();
  dumps.push(await dumpRenderer(page));
  await confirm.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('heading', { name: 'Connect your OpenAI account' }).waitFor();
  dumps.push(await dumpRenderer(page));
  await until('the tool to hear of the sign-out', () =>
    agentEvents.some((e) => e.type === 'credentials' && e.change.reason === 'signedOut') ? true : undefined,
  );
  expect(await readVault()).toBeNull();
  keep('status after sign-out', await cli(h, 'status', '--json'));
  keep('token after sign-out', await cli(h, 'token'));

  // Stop watch (Ctrl+C) and the host, and gather what they printed.
  watch.child.kill('SIGINT');
  const watched = await watch.done;
  expect(watched.code).toBe(0);
  keep('watch', watched);
  agent.close();
  agent = undefined;
  await context.close();
  expect(await host.stop()).toBe(0);
  haystacks.push({ where: 'host stdout+stderr', text: host.output() });
  for (const f of await filesUnder(h.home)) {
    if (f === join(h.home, 'vault.bin') || f.endsWith('.sock')) continue;
    haystacks.push({
      where: `data folder: ${f.slice(h.home.length + 1)}`,
      text: await readFile(f, 'latin1'),
    });
  }
  for (const f of await filesUnder(codexHome)) {
    haystacks.push({ where: `codex folder: ${f}`, text: await readFile(f, 'latin1') });
  }
  haystacks.push({ where: 'WebSocket frames', text: frames.join('\n') });
  dumps.forEach((d, i) => haystacks.push({ where: `renderer state #${i + 1}`, text: d }));
  haystacks.push({
    where: 'tool status events',
    text: JSON.stringify(agentEvents.filter((e) => e.type === 'status')),
  });

  // --- What was issued, and that the collection is complete.
  const issued = oidc.issued;
  expect(issued.codes.length).toBe(2); // one sign-in per account
  expect(issued.idTokens.length).toBeGreaterThanOrEqual(1);
  expect(issued.refreshTokens.length).toBeGreaterThanOrEqual(5);
  expect(issued.accessTokens.length).toBe(issued.refreshTokens.length);
  const all = new Set([...issued.accessTokens, ...issued.refreshTokens, ...issued.idTokens, ...issued.codes]);
  for (const t of vaultSeen) expect(all.has(t), 'a vault token the server-side record missed').toBe(true);
  for (const t of handedOut)
    expect(issued.accessTokens.includes(t), 'a tool got something not an access token').toBe(true);
  for (const e of agentEvents) {
    if (e.type === 'credentials' && e.change.accessToken)
      expect(issued.accessTokens).toContain(e.change.accessToken);
  }
  expect(issued.accessTokens.map(sha256)).toContain(execHash);

  // Codex's file: the current access token and id_token, never a refresh token.
  for (const text of codexTexts) {
    const doc = JSON.parse(text);
    expect(doc.tokens.refresh_token).toBe('');
    expect(issued.accessTokens).toContain(doc.tokens.access_token);
    for (const rt of issued.refreshTokens) for (const f of forms(rt)) expect(text.includes(f)).toBe(false);
  }

  // watch printed the changes, named by hash, never the token.
  const events = watched.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; reason?: string; tokenSha256?: string | null });
  const refreshed = events.filter((e) => e.event === 'credentials' && e.reason === 'refreshed');
  expect(refreshed.length).toBeGreaterThanOrEqual(3);
  for (const e of refreshed) expect(issued.accessTokens.map(sha256)).toContain(e.tokenSha256);
  expect(
    events.some((e) => e.event === 'credentials' && e.reason === 'signedOut' && e.tokenSha256 === null),
  ).toBe(true);

  // --- The scan.
  const secrets: Array<{ kind: string; value: string }> = [
    ...issued.accessTokens.map((value) => ({ kind: 'access token', value })),
    ...issued.refreshTokens.map((value) => ({ kind: 'refresh token', value })),
    ...issued.idTokens.map((value) => ({ kind: 'id_token', value })),
    ...issued.codes.map((value) => ({ kind: 'authorization code', value })),
  ];
  expect(frames.length).toBeGreaterThan(10);
  expect(haystacks.length).toBeGreaterThan(30);
  const leaks: string[] = [];
  for (const { kind, value } of secrets) {
    const patterns = forms(value);
    for (const hay of haystacks) {
      if (patterns.some((p) => hay.text.includes(p)))
        leaks.push(`${kind} #${secrets.findIndex((s) => s.value === value) + 1} in ${hay.where}`);
    }
  }
  expect(leaks, 'secrets found where none may be').toEqual([]);
}, 120_000);
