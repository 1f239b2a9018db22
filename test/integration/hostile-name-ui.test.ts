/**
 * The second security review's hostile tool name, as the user would see it: `keybridge serve --ui` with
 * policy `ask` in Debian's Chromium. A name stored in tools.json with a forged line, ESC and U+202E never
 * shows; a tool that says hello with it is refused (-32602); a valid name with unusual but printable
 * characters is asked about exactly as sent; the page, host.log and stderr hold no raw control character.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { connect, type KeybridgeClient } from '../../client/index';
import { launchBrowser } from '../support/browser';
import { startHost } from '../support/host';
import { HOSTILE_NAME, RAW_CONTROL } from '../support/hostile-input';
import { startOidcServer, type OidcServer } from '../support/oidc-server';
import { startSignedInHost, until, type SignedInHost } from '../support/signed-in-host';

const VALID_ODD_NAME = 'Agent «quoted» 日本 "v2"';
let oidc: OidcServer;
let s: SignedInHost;
let browser: Browser;
let page: Page;
let agent: KeybridgeClient | undefined;

beforeAll(async () => {
  [oidc, browser] = await Promise.all([startOidcServer(), launchBrowser()]);
  s = await startSignedInHost(oidc, { KEYBRIDGE_TOOL_POLICY: 'ask', KEYBRIDGE_APPROVAL_TIMEOUT: '30' });
  // Plant the hostile name the way an older version or another program could have, then start with --ui.
  await s.host.stop();
  const record = { decision: 'allowed', decidedAt: '2026-12-01T00:00:00.000Z', decidedBy: 'user' };
  await writeFile(
    join(s.h.home, 'tools.json'),
    JSON.stringify({ version: 1, tools: { [HOSTILE_NAME]: record, 'stored-tool': record } }),
    { mode: 0o600 },
  );
  s.host = await startHost(s.h, ['--ui']);
  const link = await until('the UI link', () => /Open the Keybridge UI: (\S+)/.exec(s.host.output())?.[1]);
  page = await (await browser.newContext({ viewport: { width: 480, height: 900 } })).newPage();
  await page.goto(link);
  await page.getByRole('heading', { name: 'ada@example.com' }).waitFor();
}, 60_000);

afterAll(async () => {
  agent?.close();
  await browser?.close();
  await s?.dispose();
  await oidc?.close();
});

it('refuses the hostile name at hello and asks about a valid one exactly as sent', async () => {
  await expect(connect({ name: HOSTILE_NAME, socketPath: s.h.socket })).rejects.toMatchObject({
    code: -32602,
  });
  agent = await connect({ name: VALID_ODD_NAME, socketPath: s.h.socket });
  const request = agent.getCredentials();
  const prompt = page.getByRole('alertdialog', {
    name: `Allow «${VALID_ODD_NAME}» to use your OpenAI session?`,
  });
  await prompt.waitFor();
  await prompt.getByRole('button', { name: 'Allow' }).click();
  expect((await request).accessToken).toBeTruthy();
  await page.locator('[data-tool="stored-tool"]').waitFor();
});

it('leaves no raw control character on the page, in host.log or on stderr', async () => {
  const text = await page.locator('body').innerText();
  expect(text).not.toMatch(RAW_CONTROL);
  expect(text).not.toContain('keybridge-cli"');
  expect(text).toContain('stored-tool');
  expect(text).toContain(VALID_ODD_NAME);
  const log = await readFile(join(s.h.home, 'logs', 'host.log'), 'utf8');
  for (const out of [log, s.host.output()]) {
    expect(out).not.toMatch(RAW_CONTROL);
    expect(out).not.toMatch(/^2026-12-01T00:00:00\.000Z/m);
  }
});
