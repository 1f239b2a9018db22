/**
 * Accessibility of every UI state, checked with axe-core through `@axe-core/playwright` in
 * the light and the dark theme: signed out, signing in (with the paste field open, and with its error),
 * signed in with models and usage, the approval prompt and connected tools, the sign-out confirmation,
 * access denied, expired, error (corrupt vault), reconnecting, the spent link, and the account switcher (two
 * accounts, one limited, the sign-out confirmation of one, a usage notice). A state passes when axe
 * finds nothing of serious or critical impact; the failure lists every violation axe found.
 *
 * `@axe-core/playwright` 4.13 is the newest release that runs on Node 20 (4.14 asks for Node 22.12); it
 * injects axe through the DevTools protocol, so the page's CSP (script-src 'self') does not stop it.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { connect } from '../client/index';
import { createFileKeyCipher } from '../core/vault/file-key-cipher';
import { Vault } from '../core/vault/vault';
import { activeSession } from '../core/vault/contents';
import { addAccount, GRACE, openSwitcher, switcher } from './support/accounts';
import { completeConsent } from './support/consent';
import { ADA } from './support/fixtures';
import { expect as baseExpect, signInThroughUi, test } from './support/models-fixtures';
import { openSignedOut, startSignIn, viewTitle } from './support/ui';

test.use({ viewport: { width: 900, height: 1000 } });
// An axe scan of this UI takes seconds, each state is scanned twice (light, dark), and a test scans up to three
// states after starting a host and signing in: budgets that hold on a machine five times slower than a laptop.
test.describe.configure({ timeout: 300_000 });
// The sign-in pages and the UI answer slowly on a loaded machine too: each step may take a minute.
test.use({ actionTimeout: 60_000, navigationTimeout: 90_000 });
const expect = baseExpect.configure({ timeout: 60_000 });

const BLOCKING = new Set(['serious', 'critical']);

/** Runs axe on the page as it is, in light and in dark; fails on serious or critical findings. */
async function expectAccessible(page: Page, state: string): Promise<void> {
  const report: string[] = [];
  let blocking = 0;
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
    // Rest the pointer away from every control, and jump every colour transition of the buttons to its end
    // (waiting for it would never end in a page the browser does not paint, such as one behind a popup).
    // Endless animations (a spinner) are paused for the scan and resumed after it: while one runs, every
    // style axe reads is recomputed for the next frame, and a scan took 20 s instead of 4 s here (the
    // "signing in" and "reconnecting" states, which then came near their time budget on a loaded machine).
    await page.mouse.move(0, 0);
    await page.evaluate(() => {
      for (const a of document.getAnimations()) {
        if (a.effect?.getComputedTiming().iterations !== Infinity) a.finish();
        else a.pause();
      }
    });
    const { violations } = await new AxeBuilder({ page }).analyze();
    await page.evaluate(() => {
      for (const a of document.getAnimations()) if (a.playState === 'paused') a.play();
    });
    for (const v of violations) {
      if (BLOCKING.has(v.impact ?? '')) blocking += 1;
      report.push(
        `[${scheme}] ${v.impact ?? 'unknown'} ${v.id}: ${v.help}\n` +
          v.nodes.map((n) => `    ${n.target.join(' ')} — ${n.failureSummary ?? ''}`).join('\n'),
      );
    }
  }
  await page.emulateMedia({ colorScheme: 'light', reducedMotion: 'no-preference' });
  expect(blocking, `axe found in "${state}":\n${report.join('\n')}`).toBe(0);
}

test('signed out, and reconnecting', async ({ page, folders }) => {
  const host = await folders.serve(await folders.create());
  await openSignedOut(page, host.url);
  await expectAccessible(page, 'signed out');
  await host.stop();
  await expect(page.getByRole('status').getByText('Reconnecting to Keybridge…')).toBeVisible();
  await expectAccessible(page, 'reconnecting');
});

test('signing in, with the paste field and its error', async ({ page, folders }) => {
  const host = await folders.serve(await folders.create());
  await openSignedOut(page, host.url);
  const consent = await startSignIn(page);
  await consent.close();
  await expectAccessible(page, 'signing in');
  await page.getByRole('button', { name: 'Paste redirect URL' }).click();
  await expect(page.getByLabel('Redirect URL')).toBeFocused();
  await expectAccessible(page, 'signing in, paste field open');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByRole('alert')).toHaveText('Paste the address your browser shows after you sign in.');
  await expectAccessible(page, 'signing in, paste field with its error');

  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(viewTitle(page)).toHaveText('Connect your OpenAI account');
});

test('signed in with models and usage, and the sign-out confirmation', async ({ page, folders }) => {
  const h = await folders.create();
  h.env.CODEX_HOME = join(h.home, 'codex');
  const host = await folders.serve(h);
  await signInThroughUi(page, host.url, ADA.login, ADA.email);
  await expect(page.getByRole('region', { name: 'Models' }).getByRole('radio')).toHaveCount(3);
  await expect(page.getByRole('meter', { name: '5-hour limit' })).toBeVisible();
  await expectAccessible(page, 'signed in with models and usage');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('group', { name: /^Sign out of ada@example\.com\?/ })).toBeVisible();
  await expectAccessible(page, 'sign-out confirmation');
});

test('the approval prompt, and connected tools', async ({ page, folders }) => {
  const h = await folders.create();
  h.env.KEYBRIDGE_TOOL_POLICY = 'ask';
  h.env.CODEX_HOME = join(h.home, 'codex');
  const host = await folders.serve(h);
  await signInThroughUi(page, host.url, ADA.login, ADA.email);

  const tool = await connect({ name: 'a11y-agent', socketPath: h.socket });
  try {
    const request = tool.getCredentials();
    const prompt = page.getByRole('alertdialog', { name: 'Allow «a11y-agent» to use your OpenAI session?' });
    await expect(prompt).toBeVisible();
    await expectAccessible(page, 'approval prompt');
    await prompt.getByRole('button', { name: 'Allow' }).click();
    await request;
    await expect(page.getByRole('button', { name: 'Revoke a11y-agent' })).toBeVisible();
    await expectAccessible(page, 'connected tools');
  } finally {
    tool.close();
  }
});

test('access denied, and the spent link', async ({ page, browser, folders }) => {
  const host = await folders.serve(await folders.create());
  await openSignedOut(page, host.url);
  const consent = await startSignIn(page);
  await completeConsent(consent, { login: ADA.login, deny: true });
  await consent.close();
  await expect(page.locator('.problem[data-code="access_denied"]')).toBeVisible();
  await expectAccessible(page, 'access denied');

  const stranger = await browser.newContext();
  try {
    const other = await stranger.newPage();
    await other.goto(host.url);
    await expect(viewTitle(other)).toHaveText('Open Keybridge from its link');
    await expectAccessible(other, 'link already used');
  } finally {
    await stranger.close();
  }
});

test('expired: the refresh token was spent elsewhere', async ({ page, folders, oidc }) => {
  const host = await folders.serve(await folders.create());
  await signInThroughUi(page, host.url, ADA.login, ADA.email);
  const stored = activeSession(
    await new Vault({ dir: host.h.home, cipher: await createFileKeyCipher(host.h.home) }).load(),
  );
  const res = await fetch(`${oidc.issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: stored!.refreshToken,
      client_id: oidc.clientId,
    }),
  });
  expect(res.status).toBe(200);
  await res.body?.cancel();
  expect((await host.cli('token', '--min-ttl', '86400')).code).not.toBe(0);
  await expect(viewTitle(page)).toHaveText('Your session ended — sign in again');
  await expectAccessible(page, 'expired');
});

test('error: the vault cannot be read', async ({ page, folders }) => {
  const h = await folders.create();
  await writeFile(join(h.home, 'vault.bin'), 'this is not a vault');
  const host = await folders.serve(h);
  await page.goto(host.url);
  await expect(viewTitle(page)).toHaveText('Your saved session could not be read');
  await expectAccessible(page, 'error (vault unreadable)');
});

test('the account switcher: two accounts, a limit reached, sign-out confirmation of one, and a usage notice', async ({
  page,
  folders,
  oidc,
  chat,
}) => {
  // Two people sign in through the consent pages, and axe runs five times in two themes.
  test.slow();
  oidc.setAccount(GRACE.login, { plan: GRACE.plan, accountId: GRACE.accountId, email: GRACE.email });
  const host = await folders.serve(await folders.create());
  await signInThroughUi(page, host.url, ADA.login, ADA.email);
  await expect(switcher(page, ADA.email)).toBeVisible();
  await expectAccessible(page, 'account switcher closed');
  await addAccount(page, ADA.email, GRACE);
  chat.setAccountUsage(GRACE.accountId, {
    limitReached: true,
    primary_window: { used_percent: 100, limit_window_seconds: 18_000, reset_after_seconds: 3600 },
    secondary_window: null,
  });
  try {
    expect((await host.cli('usage', '--refresh', '--json')).code).toBe(0);
    const accounts = await openSwitcher(page, GRACE.email);
    await expect(accounts.getByText('5-hour limit reached', { exact: true })).toBeVisible();
    await expectAccessible(page, 'account switcher open, the active account limited');

    await accounts.getByRole('button', { name: 'Sign out ada@example.com', exact: true }).click();
    await expect(accounts.getByRole('group', { name: /^Sign out of ada@example\.com\?/ })).toBeVisible();
    await expectAccessible(page, 'sign-out confirmation of one account');
    await accounts.getByRole('button', { name: 'Cancel' }).click();

    await accounts.getByRole('switch', { name: /Switch accounts automatically/ }).check();
    expect((await host.cli('usage', '--refresh', '--json')).code).toBe(0);
    await expect(
      page.getByRole('status', { name: 'Usage notices' }).getByText('Switched to ada@example.com'),
    ).toBeVisible();
    await expectAccessible(page, 'usage notice after an automatic switch');
  } finally {
    chat.setAccountUsage(GRACE.accountId, null);
  }
});
