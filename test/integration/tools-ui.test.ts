/**
 * The tools UI as a user meets it headless: `keybridge serve --ui` with policy `ask`, the built renderer in
 * Debian's Chromium, a tool on the broker. The prompt names the tool and its process, Allow lets the waiting
 * request through, "Connected tools" lists it and Revoke takes it away, and the Codex switch writes and
 * removes auth.json (asking before it replaces a login Codex made itself). Screenshots: test-results/ui-tools-*.png.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type KeybridgeClient } from '../../client/index';
import { launchBrowser } from '../support/browser';
import { ROOT } from '../support/host';
import { startOidcServer, type OidcServer } from '../support/oidc-server';
import { startSignedInHost, until, type SignedInHost } from '../support/signed-in-host';

const shots = join(ROOT, 'test-results');
let oidc: OidcServer;
let s: SignedInHost;
let browser: Browser;
let page: Page;
let codexHome: string;
let agent: KeybridgeClient | undefined;

beforeAll(async () => {
  codexHome = join(await mkdtemp(join(tmpdir(), 'kb-codex-ui-')), 'codex');
  [oidc, browser] = await Promise.all([
    startOidcServer(),
    launchBrowser(),
    mkdir(shots, { recursive: true }),
  ]);
  s = await startSignedInHost(
    oidc,
    { KEYBRIDGE_TOOL_POLICY: 'ask', KEYBRIDGE_APPROVAL_TIMEOUT: '30', CODEX_HOME: codexHome },
    { serveArgs: ['--ui'] },
  );
  const link = await until('the UI link', () => /Open the Keybridge UI: (\S+)/.exec(s.host.output())?.[1]);
  page = await (await browser.newContext({ viewport: { width: 480, height: 900 } })).newPage();
  await page.goto(link);
  await page.getByRole('heading', { name: 'ada@example.com' }).waitFor();
});

afterAll(async () => {
  agent?.close();
  await browser?.close();
  await s?.dispose();
  await oidc?.close();
  if (codexHome) await rm(join(codexHome, '..'), { recursive: true, force: true });
});

it('asks "Allow «my-agent» to use your OpenAI session?" with its process; Allow lets the request through', async () => {
  agent = await connect({ name: 'my-agent', socketPath: s.h.socket });
  let done = false;
  const request = agent.getCredentials().finally(() => (done = true));
  const prompt = page.getByRole('alertdialog', { name: 'Allow «my-agent» to use your OpenAI session?' });
  await prompt.waitFor();
  await expect.poll(() => prompt.textContent()).toContain(`Process ${process.pid}`);
  await page.screenshot({ path: join(shots, 'ui-tools-prompt.png') });
  expect(done).toBe(false);
  await prompt.getByRole('button', { name: 'Allow' }).click();
  expect((await request).accessToken.split('.')).toHaveLength(3);
  await prompt.waitFor({ state: 'detached' });
});

it('lists the tool under Connected tools, and Revoke refuses its next request', async () => {
  const row = page.locator('[data-tool="my-agent"]');
  await expect.poll(() => row.textContent()).toMatch(/Allowed.*connected/);
  await expect.poll(() => row.textContent()).toMatch(/Last used just now/);
  await page.screenshot({ path: join(shots, 'ui-tools-list.png') });
  await page.getByRole('button', { name: 'Revoke my-agent' }).click();
  await expect.poll(() => row.textContent()).toMatch(/Denied/);
  await expect(agent!.getCredentials()).rejects.toMatchObject({ code: -32003 });
  // And the user can let it back in.
  await page.getByRole('button', { name: 'Allow my-agent' }).click();
  await expect.poll(() => row.textContent()).toMatch(/Allowed/);
  expect((await agent!.getCredentials()).accessToken).toBeTruthy();
});

it('the Codex switch writes and removes auth.json, and asks before replacing Codex’s own login', async () => {
  const authFile = join(codexHome, 'auth.json');
  const toggle = page.getByRole('switch', { name: 'Share with Codex CLI' });
  expect(await toggle.isChecked()).toBe(false);
  await toggle.click();
  await until('auth.json', () => (existsSync(authFile) ? true : undefined));
  await expect.poll(() => toggle.isChecked()).toBe(true);
  expect(JSON.parse(await readFile(authFile, 'utf8'))).toMatchObject({
    auth_mode: 'chatgpt',
    tokens: { refresh_token: '' },
  });
  await toggle.click();
  await until('auth.json to go', () => (existsSync(authFile) ? undefined : true));
  await expect.poll(() => toggle.isChecked()).toBe(false);

  const own = '{"OPENAI_API_KEY":"sk-codex-own"}\n';
  await writeFile(authFile, own, { mode: 0o600 });
  await toggle.click();
  const confirm = page.getByRole('group', { name: /Codex CLI already has its own login/ });
  await confirm.waitFor();
  expect(await readFile(authFile, 'utf8')).toBe(own);
  await page.screenshot({ path: join(shots, 'ui-tools-codex-confirm.png') });
  await confirm.getByRole('button', { name: 'Replace and share' }).click();
  await expect.poll(() => toggle.isChecked()).toBe(true);
  const backups = (await readdir(codexHome)).filter((n) => n.startsWith('auth.json.keybridge-backup-'));
  expect(backups).toHaveLength(1);
  expect(await readFile(join(codexHome, backups[0]!), 'utf8')).toBe(own);
  await toggle.click();
  await expect.poll(() => readFile(authFile, 'utf8')).toBe(own);
});
