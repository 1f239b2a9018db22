/**
 * What a person does and sees in the Keybridge UI tab, by role and visible text (no CSS hooks beyond the
 * view heading's id, which every view has for focus management).
 */
import { expect, type Page } from '@playwright/test';
import { completeConsent } from './consent';

/** The heading of whichever view is showing (every view's h1 is #view-title). */
export const viewTitle = (page: Page) => page.locator('#view-title');

export const signInButton = (page: Page) => page.getByRole('button', { name: 'Sign in with OpenAI' });

/** Opens the printed link and waits for the signed-out view, ready to sign in. */
export async function openSignedOut(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(viewTitle(page)).toHaveText('Connect your OpenAI account');
  await expect(signInButton(page)).toBeEnabled();
}

/**
 * Clicks "Sign in with OpenAI" and returns the consent tab it opens. The page opens it with
 * window.open(…, 'noopener'), so it is taken from the context's `page` event rather than the opener's
 * `popup` event.
 */
export async function startSignIn(page: Page): Promise<Page> {
  const opened = page.context().waitForEvent('page');
  await signInButton(page).click();
  const consent = await opened;
  await expect(viewTitle(page)).toHaveText('Waiting for the browser…');
  return consent;
}

export interface ExpectedAccount {
  email: string;
  /** As the badge shows it: "Plus". */
  planLabel: string;
  accountId: string;
}

/** The signed-in view with the account, the token's health and where the tokens are kept. */
export async function expectSignedIn(page: Page, account: ExpectedAccount): Promise<void> {
  await expect(viewTitle(page)).toHaveText(account.email);
  await expect(page.getByText('Connected', { exact: true })).toBeVisible();
  await expect(page.getByLabel(`Plan: ${account.planLabel}`)).toHaveText(account.planLabel);
  const facts = page.locator('dl');
  await expect(facts.getByText(account.accountId, { exact: true })).toBeVisible();
  // A one-hour access token, refreshed five minutes early: "Refreshes in 54 min" or "55 min".
  await expect(facts.getByText(/^Refreshes in \d+ min$/)).toBeVisible();
  // The headless host in a test has no OS keyring: the file-key cipher, described honestly as unprotected.
  await expect(facts.getByText(/Encrypted with a key file beside the vault/)).toBeVisible();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeEnabled();
}

/** The whole sign-in a person does: open the link, sign in at the consent tab, see the account, close the tab. */
export async function signInAs(
  page: Page,
  url: string,
  login: string,
  account: ExpectedAccount,
): Promise<void> {
  await openSignedOut(page, url);
  const consent = await startSignIn(page);
  await completeConsent(consent, { login });
  await expectSignedIn(page, account);
  await consent.close();
}
