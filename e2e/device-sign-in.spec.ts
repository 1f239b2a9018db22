/**
 * "Sign in with a code" through the browser UI of `keybridge serve --ui` (docs/remote.md "Sign in with a
 * code"): the UI shows the code, a copy button and how long it lasts; a person types it on the test
 * authorization server's device page (Codex CLI's device endpoints, test/support/oidc-device.ts) in another
 * tab — standing in for their phone — and signs in there; the UI tab then shows the account.
 */
import { completeConsent } from './support/consent';
import { ADA, ADA_VIEW, expect, test } from './support/fixtures';
import { expectSignedIn, openSignedOut, startSignIn, viewTitle } from './support/ui';

const codeButton = (page: import('@playwright/test').Page) =>
  page.getByRole('button', { name: 'Sign in with a code' });

test('signs in with a code typed on the device page', async ({ page, hosts, shot }) => {
  const host = await hosts.start();
  await openSignedOut(page, host.url);
  await codeButton(page).click();

  await expect(viewTitle(page)).toHaveText('Enter this code on OpenAI’s page');
  const shown = page.getByText(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
  await expect(shown).toBeVisible();
  const code = (await shown.textContent())!;
  await expect(page.getByRole('button', { name: 'Copy code' })).toBeEnabled();
  await expect(page.getByText(/^The code expires in 1[45] min/)).toBeVisible();
  await shot(page, 'device-code');

  // The status carries the same page and code; the device_auth_id stays in the host.
  const status = JSON.parse((await host.cli('status', '--json')).stdout);
  expect(status.signIn).toMatchObject({ method: 'device', userCode: code });
  expect(JSON.stringify(status)).not.toContain('deviceauth_');

  // Someone on another device: the page, the code, then the usual sign-in at the server.
  const phone = await page.context().newPage();
  await phone.goto(status.signIn.verificationUrl);
  await phone.getByLabel('Code').fill(code);
  await phone.getByRole('button', { name: 'Continue' }).click();
  await completeConsent(phone, { login: ADA.login });
  await expect(phone.getByRole('heading', { name: 'Signed in' })).toBeVisible();

  await expectSignedIn(page, ADA_VIEW);
  await phone.close();
});

test('switches a browser sign-in to a code, and cancels it', async ({ page, hosts }) => {
  const host = await hosts.start();
  await openSignedOut(page, host.url);
  const consent = await startSignIn(page);
  await consent.close();
  await codeButton(page).click();
  await expect(viewTitle(page)).toHaveText('Enter this code on OpenAI’s page');
  await expect(page.getByText(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/)).toBeVisible();

  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(viewTitle(page)).toHaveText('Connect your OpenAI account');
  const status = JSON.parse((await host.cli('status', '--json')).stdout);
  expect(status.state).toBe('signedOut');
});
