/**
 * Sign-in with the private-use scheme redirect `keybridge://oauth/callback` (RFC 8252 §7.1,
 * KEYBRIDGE_REDIRECT=scheme). A browser cannot load that URL; the OS hands it to the app — headless, that is
 * `keybridge open-url <url>` — or the person pastes it into the UI ("Paste redirect URL"). Both end in the
 * same handler, and the UI tab turns signed in either way.
 */
import type { Page } from '@playwright/test';
import { captureSchemeRedirect, completeConsent } from './support/consent';
import { ADA, ADA_VIEW, expect, test } from './support/fixtures';
import { expectSignedIn, openSignedOut, startSignIn, viewTitle } from './support/ui';

/** Signs in at the consent tab and returns the `keybridge://` redirect the browser could not open. */
async function consentToScheme(consent: Page): Promise<URL> {
  const redirect = captureSchemeRedirect(consent);
  await completeConsent(consent, { login: ADA.login });
  const url = new URL(await redirect);
  await consent.close();
  expect(`${url.protocol}//${url.host}${url.pathname}`).toBe('keybridge://oauth/callback');
  expect(url.searchParams.get('code')).toBeTruthy();
  expect(url.searchParams.get('state')).toBeTruthy();
  return url;
}

test('the OS hands the keybridge:// redirect to `keybridge open-url`, and the UI turns signed in', async ({
  page,
  hosts,
}) => {
  const host = await hosts.start({ KEYBRIDGE_REDIRECT: 'scheme' });
  await openSignedOut(page, host.url);
  const consent = await startSignIn(page);
  const redirect = await consentToScheme(consent);

  // Until the redirect arrives, the UI keeps waiting (nothing else can finish the sign-in).
  await expect(viewTitle(page)).toHaveText('Waiting for the browser…');
  const opened = await host.cli('open-url', redirect.toString());
  expect(opened.stderr).toContain(`Signed in as ${ADA.email}`);
  expect(opened.code).toBe(0);
  await expectSignedIn(page, ADA_VIEW);

  // The redirect is single use: handing it over again is refused and the session stays.
  const replay = await host.cli('open-url', redirect.toString());
  expect(replay.code).toBe(1);
  await expectSignedIn(page, ADA_VIEW);
});

test('“Paste redirect URL” takes the keybridge:// address and signs in', async ({ page, hosts }) => {
  const host = await hosts.start({ KEYBRIDGE_REDIRECT: 'scheme' });
  await openSignedOut(page, host.url);
  const consent = await startSignIn(page);
  const redirect = await consentToScheme(consent);

  await page.getByRole('button', { name: 'Paste redirect URL' }).click();
  const field = page.getByLabel('Redirect URL');
  // The form focuses its field and tells the person what address to look for.
  await expect(field).toBeFocused();
  await expect(page.locator('#paste-form')).toContainText('keybridge://oauth/callback');

  // A wrong address is answered in the form, and the sign-in keeps waiting for the right one.
  await field.fill('https://example.com/not-a-redirect');
  await page.getByRole('button', { name: 'Submit' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(viewTitle(page)).toHaveText('Waiting for the browser…');

  await field.fill(redirect.toString());
  await page.getByRole('button', { name: 'Submit' }).click();
  await expectSignedIn(page, ADA_VIEW);
  expect((await host.cli('status')).code).toBe(0);
});
