/**
 * Several accounts in the UI of `keybridge serve --ui` (issue #11), against the real oidc-provider (two
 * people by login name) and the ChatGPT stand-in (usage set per account): adding a second account from the
 * header's switcher, switching, signing one out after the confirmation, and the notice when auto-switch
 * moves off an account that reached its limit. The CLI on the same host confirms what the UI shows.
 */
import { addAccount, cliAccounts, GRACE, openSwitcher, panel, switcher } from './support/accounts';
import { ADA } from './support/fixtures';
import { expect as baseExpect, signInThroughUi, test } from './support/models-fixtures';
import { viewTitle } from './support/ui';

// Each test signs in two people through the consent pages and checks the CLI after each step: budgets that
// hold on a machine five times slower than a laptop (the steps are waited for, never slept).
test.describe.configure({ timeout: 300_000 });
test.use({ actionTimeout: 60_000, navigationTimeout: 90_000 });
const expect = baseExpect.configure({ timeout: 60_000 });

test.beforeEach(({ oidc }) => {
  oidc.setAccount(GRACE.login, { plan: GRACE.plan, accountId: GRACE.accountId, email: GRACE.email });
});

test('adds a second account from the switcher, switches between them and signs one out', async ({
  page,
  folders,
}) => {
  const host = await folders.serve(await folders.create());
  await signInThroughUi(page, host.url, ADA.login, ADA.email);

  // One account: the switcher names it; "Add account…" signs in Grace, who becomes the active one.
  await addAccount(page, ADA.email, GRACE);
  const accounts = await openSwitcher(page, GRACE.email);
  const rows = accounts.getByRole('listitem');
  await expect(rows).toHaveCount(2);
  const graceChoice = accounts.getByRole('button', { name: /^grace@example\.com/ });
  const adaChoice = accounts.getByRole('button', { name: /^ada@example\.com/ });
  await expect(graceChoice).toHaveAttribute('aria-current', 'true');
  await expect(adaChoice).not.toHaveAttribute('aria-current', /.*/);
  await expect(graceChoice).toContainText('Pro');
  await expect(adaChoice).toContainText('Plus');
  expect(await cliAccounts(host)).toEqual(['ada@example.com', 'grace@example.com (active)']);

  // Switching: one click on Ada; the view, the switcher and the CLI follow, and focus returns to the switcher.
  await adaChoice.click();
  await expect(viewTitle(page)).toHaveText(ADA.email);
  await expect(switcher(page, ADA.email)).toBeFocused();
  await expect(panel(page)).toBeHidden();
  expect(await cliAccounts(host)).toEqual(['ada@example.com (active)', 'grace@example.com']);

  // Switching back from the keyboard: Enter opens the panel, Tab reaches Grace, Enter switches, Escape closes.
  await switcher(page, ADA.email).press('Enter');
  await expect(panel(page)).toBeVisible();
  await panel(page)
    .getByRole('button', { name: /^grace@example\.com/ })
    .focus();
  await page.keyboard.press('Enter');
  await expect(viewTitle(page)).toHaveText(GRACE.email);
  // The switch closes the panel and hands focus back to the button, so Enter re-opens it from there.
  await expect(panel(page)).toBeHidden();
  await expect(switcher(page, GRACE.email)).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(panel(page)).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(panel(page)).toBeHidden();
  await expect(switcher(page, GRACE.email)).toBeFocused();

  // Signing out Ada (not the active one) asks first; Cancel keeps her.
  const open = await openSwitcher(page, GRACE.email);
  await open.getByRole('button', { name: 'Sign out ada@example.com', exact: true }).click();
  const confirm = open.getByRole('group', { name: /^Sign out of ada@example\.com\?/ });
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  expect(await cliAccounts(host)).toEqual(['ada@example.com', 'grace@example.com (active)']);

  await open.getByRole('button', { name: 'Sign out ada@example.com', exact: true }).click();
  await open
    .getByRole('group', { name: /^Sign out of ada@example\.com\?/ })
    .getByRole('button', { name: 'Sign out', exact: true })
    .click();
  await expect(open.getByRole('listitem')).toHaveCount(1);
  await expect(viewTitle(page)).toHaveText(GRACE.email);
  expect(await cliAccounts(host)).toEqual(['grace@example.com (active)']);
});

test('auto-switch moves off an account at its limit, says so, and the usage panel named the blocking limit', async ({
  page,
  folders,
  chat,
}) => {
  const host = await folders.serve(await folders.create());
  await signInThroughUi(page, host.url, ADA.login, ADA.email);
  await addAccount(page, ADA.email, GRACE);

  // Grace's 5-hour window is used up; the next read of usage tells the UI which limit blocks.
  chat.setAccountUsage(GRACE.accountId, {
    limitReached: true,
    primary_window: { used_percent: 100, limit_window_seconds: 18_000, reset_after_seconds: 3600 },
    secondary_window: { used_percent: 30, limit_window_seconds: 604_800, reset_after_seconds: 4 * 86_400 },
  });
  try {
    const read = await host.cli('usage', '--refresh', '--json');
    expect(read.code, read.stderr).toBe(0);
    const usage = page.getByRole('region', { name: 'Usage limits' });
    await expect(usage.getByText('5-hour limit reached.')).toBeVisible();

    // Auto-switch on, from the switcher: Keybridge moves to Ada, who has room, and the notice says so.
    const accounts = await openSwitcher(page, GRACE.email);
    await expect(accounts.getByText('5-hour limit reached', { exact: true })).toBeVisible();
    await accounts.getByRole('switch', { name: /Switch accounts automatically/ }).check();
    // The host reads usage again (as it does while tools are connected) and switches.
    expect((await host.cli('usage', '--refresh', '--json')).code).toBe(0);

    const notices = page.getByRole('status', { name: 'Usage notices' });
    await expect(notices.getByText('Switched to ada@example.com')).toBeVisible();
    await expect(viewTitle(page)).toHaveText(ADA.email);
    expect(await cliAccounts(host)).toEqual(['ada@example.com (active)', 'grace@example.com']);
    await notices.getByRole('button', { name: 'Dismiss: Switched to ada@example.com' }).click();
    await expect(notices.getByText('Switched to ada@example.com')).toBeHidden();
  } finally {
    chat.setAccountUsage(GRACE.accountId, null);
  }
});
