/**
 * The header's account switcher as a person uses it (e2e/accounts.spec.ts, e2e/a11y.spec.ts): a second
 * person the test authorization server knows, opening the switcher, adding an account through the consent
 * tab, and what `keybridge accounts --json` says on the same host.
 */
import type { Page } from '@playwright/test';
import { completeConsent } from './consent';
import { expect as baseExpect, type RestartableHost } from './models-fixtures';
import { viewTitle } from './ui';

// Each step may take a while on a loaded machine: waited for, never slept.
const expect = baseExpect.configure({ timeout: 60_000 });

/** Grace, a Pro user: register with `oidc.setAccount(GRACE.login, …)` before signing her in. */
export const GRACE = {
  login: 'grace@example.com',
  email: 'grace@example.com',
  plan: 'pro',
  accountId: 'acc-grace',
};

/** The header's switcher button, named for the active account. */
export const switcher = (page: Page, email: string) =>
  page.getByRole('button', { name: new RegExp(`^Accounts: ${email.replace(/\./g, '\\.')} is active`) });
export const panel = (page: Page) => page.getByRole('region', { name: 'Accounts' });

/** Opens the switcher's panel (when closed) and returns it. */
export async function openSwitcher(page: Page, activeEmail: string) {
  const button = switcher(page, activeEmail);
  await expect(button).toBeVisible();
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  await expect(panel(page)).toBeVisible();
  return panel(page);
}

/** "Add account…" in the switcher, the second person's consent in the tab it opens, and their view. */
export async function addAccount(page: Page, activeEmail: string, person: { login: string; email: string }) {
  const accounts = await openSwitcher(page, activeEmail);
  // The authorization server remembers who signed in last in this browser: forget that person, so the
  // consent tab asks who is signing in now.
  await page.context().clearCookies({ name: /^_(session|interaction)/ });
  const opened = page.context().waitForEvent('page');
  await accounts.getByRole('button', { name: 'Add account…' }).click();
  const consent = await opened;
  await completeConsent(consent, { login: person.login });
  await expect(viewTitle(page)).toHaveText(person.email);
  await consent.close();
}

/** What `keybridge accounts --json` says: each email, with the active one marked. */
export async function cliAccounts(host: RestartableHost): Promise<string[]> {
  const res = await host.cli('accounts', '--json');
  expect(res.code, res.stderr).toBe(0);
  const { accounts } = JSON.parse(res.stdout) as { accounts: Array<{ email: string; active: boolean }> };
  return accounts.map((a) => `${a.email}${a.active ? ' (active)' : ''}`);
}
