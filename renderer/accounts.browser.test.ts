/**
 * The account switcher, usage notices and the usage panel's words in real Chromium: the renderer built by
 * Vite from the current sources, served by the real web transport (startWebUi) over the fake Service that
 * holds several accounts (test/support/fake-service.ts). States the real backend reaches only slowly (an
 * account with only a weekly window, every account limited) are set directly here; e2e/accounts.spec.ts
 * walks the same UI against the real host. Each state is checked with axe in light and dark.
 */
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startWebUi, type WebUi } from '../headless/web/index';
import { ADA, GRACE, statuses, TestService } from '../test/support/fake-service';
import {
  builtRendererInChromium,
  SCREENSHOTS as shots,
  type BuiltRenderer,
} from '../test/support/renderer-build';

let built: BuiltRenderer;
let service: TestService;
let ui: WebUi;
let page: Page;

beforeAll(async () => {
  built = await builtRendererInChromium('kb-renderer-accounts-');
}, 120_000);

afterAll(() => built?.close());

beforeEach(async () => {
  service = new TestService();
  ui = await startWebUi({ service, staticDir: built.outDir });
  service.authorizeUrl = `http://127.0.0.1:${ui.port}/favicon.svg`;
  const context = await built.browser.newContext({ viewport: { width: 900, height: 1000 } });
  page = await context.newPage();
  return async () => {
    await context.close();
    await ui.close();
  };
});

/** Waits for what a person would see (the page updates from WebSocket events). */
async function visible(locator: ReturnType<Page['locator']>): Promise<void> {
  await expect.poll(() => locator.isVisible(), { timeout: 15_000 }).toBe(true);
}

const switcherButton = (email: string) =>
  page.getByRole('button', { name: new RegExp(`^Accounts: ${email.replace(/\./g, '\\.')} is active`) });
const panel = () => page.getByRole('region', { name: 'Accounts' });

async function axe(state: string): Promise<void> {
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme, reducedMotion: 'reduce' });
    const { violations } = await new AxeBuilder({ page: page as never }).analyze();
    const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(
      blocking.map((v) => `[${colorScheme}] ${state}: ${v.id} ${v.nodes.map((n) => n.target).join(' ')}`),
    ).toEqual([]);
  }
}

/** Ada then Grace signed in (Grace active), the page open on Grace's view. */
async function twoAccounts(): Promise<void> {
  service.setStatus(statuses.signedIn(ADA, 0));
  service.setStatus(statuses.signedIn(GRACE, 1));
  await page.goto(ui.url);
  await visible(page.getByRole('heading', { name: GRACE.email }));
}

describe('the account switcher in Chromium', () => {
  it('shows no switcher while signed out, and one naming the account once signed in', async () => {
    await page.goto(ui.url);
    await visible(page.getByRole('button', { name: 'Sign in with OpenAI' }));
    expect(await page.getByRole('button', { name: /^Accounts:/ }).count()).toBe(0);
    service.setStatus(statuses.signedIn(ADA, 0));
    await visible(switcherButton(ADA.email));
    expect(await switcherButton(ADA.email).getAttribute('aria-expanded')).toBe('false');
  });

  it('lists the accounts with plan and usage, marks the active one, and switches by mouse and keyboard', async () => {
    await twoAccounts();
    service.setAccountUsage(ADA.accountId, {
      limitReached: false,
      windows: [
        { name: '5h', usedPercent: 42 },
        { name: 'weekly', usedPercent: 10 },
      ],
      fetchedAt: new Date().toISOString(),
    });
    await switcherButton(GRACE.email).click();
    await visible(panel());
    const grace = panel().getByRole('button', { name: /^grace@example\.com/ });
    const ada = panel().getByRole('button', { name: /^ada@example\.com/ });
    expect(await grace.getAttribute('aria-current')).toBe('true');
    expect(await ada.getAttribute('aria-current')).toBeNull();
    expect(await grace.textContent()).toContain('Pro');
    expect(await ada.textContent()).toContain('Plus');
    const meter = panel().getByRole('meter', { name: '5-hour limit of ada@example.com' });
    await visible(meter);
    expect(await meter.getAttribute('aria-valuenow')).toBe('42');
    await axe('switcher open');
    await page.emulateMedia({ colorScheme: 'light' });
    await page.screenshot({ path: join(shots, 'ui-accounts-switcher.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.screenshot({ path: join(shots, 'ui-accounts-switcher-dark.png') });

    await ada.click();
    await visible(page.getByRole('heading', { name: ADA.email }));
    expect(service.calls.filter((c) => c.method === 'accounts.switch').map((c) => c.params)).toEqual([
      { account: ADA.accountId },
    ]);
    await expect
      .poll(() => switcherButton(ADA.email).evaluate((el) => el === document.activeElement))
      .toBe(true);
    expect(await panel().count()).toBe(0);

    // Keyboard only: Enter opens, Tab moves through the rows, Enter switches, Escape closes.
    await page.keyboard.press('Enter');
    await visible(panel());
    await page.keyboard.press('Tab'); // Ada's row (active)
    await page.keyboard.press('Tab'); // Sign out Ada
    await page.keyboard.press('Tab'); // Grace's row
    expect(await page.evaluate(() => document.activeElement?.textContent)).toMatch(/^grace@example\.com/);
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { name: GRACE.email }));
    // The heading follows the host's status push; the panel closes and focus returns to the button when the
    // switch call answers, which may come after it. Enter before then reached the row or the page, not the
    // button (the failure seen after midnight UTC was this race, not the date).
    await expect.poll(() => panel().count()).toBe(0);
    await expect
      .poll(() => switcherButton(GRACE.email).evaluate((el) => el === document.activeElement))
      .toBe(true);
    await page.keyboard.press('Enter');
    await visible(panel());
    await page.keyboard.press('Escape');
    await expect.poll(() => panel().count()).toBe(0);
    expect(await switcherButton(GRACE.email).evaluate((el) => el === document.activeElement)).toBe(true);
  });

  it('signs out one account after its confirmation, turns auto-switch on and pins', async () => {
    await twoAccounts();
    await switcherButton(GRACE.email).click();
    await panel().getByRole('button', { name: 'Sign out ada@example.com', exact: true }).click();
    const confirm = panel().getByRole('group', {
      name: /^Sign out of ada@example\.com\? Its tokens are revoked\./,
    });
    await visible(confirm);
    expect(
      await confirm.getByRole('button', { name: 'Cancel' }).evaluate((el) => el === document.activeElement),
    ).toBe(true);
    await axe('sign-out confirmation of one account');
    // Cancel keeps the account and the panel open (the button is gone once clicked, still inside the panel).
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => confirm.count()).toBe(0);
    expect(await panel().count()).toBe(1);
    await panel().getByRole('button', { name: 'Sign out ada@example.com', exact: true }).click();
    await confirm.getByRole('button', { name: 'Sign out', exact: true }).click();
    await expect.poll(() => panel().getByRole('listitem').count()).toBe(1);
    expect(service.calls.find((c) => c.method === 'auth.logout')?.params).toEqual({ account: ADA.accountId });
    await visible(page.getByRole('heading', { name: GRACE.email }));

    const auto = panel().getByRole('switch', { name: /Switch accounts automatically/ });
    await auto.check();
    await expect.poll(() => service.autoSwitch).toBe(true);
    const pin = panel().getByRole('switch', { name: /^Pin grace@example\.com/ });
    await pin.check();
    await expect.poll(() => service.pinned).toBe(true);
    expect(await auto.isChecked()).toBe(true);
  });

  it('"Add account…" starts a sign-in while signed in, and the new account becomes the active one', async () => {
    service.setStatus(statuses.signedIn(ADA, 0));
    await page.goto(ui.url);
    await switcherButton(ADA.email).click();
    const opened = page.context().waitForEvent('page');
    await panel().getByRole('button', { name: 'Add account…' }).click();
    await (await opened).close();
    await visible(page.getByRole('heading', { name: 'Waiting for the browser…' }));
    service.nextSignIn = GRACE;
    await service['auth.openUrl'](
      { url: 'http://localhost:1455/auth/callback?code=good' },
      { transport: 'ipc' },
    );
    await visible(page.getByRole('heading', { name: GRACE.email }));
    await visible(switcherButton(GRACE.email));
    expect(await switcherButton(GRACE.email).getAttribute('aria-label')).toBe(
      'Accounts: grace@example.com is active, 1 more',
    );
  });
});

describe('usage you notice, in Chromium', () => {
  it('announces usage notices in a live region, and dismisses them', async () => {
    await twoAccounts();
    const notices = page.getByRole('status', { name: 'Usage notices' });
    expect(await notices.getAttribute('aria-live')).toBe('polite');
    service.notice({
      kind: 'threshold',
      accountId: GRACE.accountId,
      email: GRACE.email,
      window: '5h',
      percent: 80,
      message: 'grace@example.com has used 80% of its 5-hour limit.',
    });
    await visible(notices.getByText('80% of the 5-hour limit used'));
    service.notice({
      kind: 'allLimited',
      accountId: GRACE.accountId,
      email: GRACE.email,
      resetsAt: new Date(Date.now() + 2 * 3_600_000 + 60_000).toISOString(),
      message: 'Every signed-in account is at its limit.',
    });
    await visible(notices.getByText('Every account is at its limit'));
    expect(await notices.textContent()).toMatch(/The first limit resets in 2 h/);
    await axe('usage notices');
    await page.screenshot({ path: join(shots, 'ui-accounts-notices.png') });
    // With the switcher open above them: the click dismisses the notice (the panel closes after it, so
    // nothing moves under the pointer mid-click).
    await switcherButton(GRACE.email).click();
    await visible(panel());
    await notices.getByRole('button', { name: 'Dismiss: 80% of the 5-hour limit used' }).click();
    await expect.poll(() => notices.getByText('80% of the 5-hour limit used').count()).toBe(0);
    await expect.poll(() => panel().count()).toBe(0);
    expect(await notices.getByText('Every account is at its limit').count()).toBe(1);
  });

  it('says which limit blocks, and shows a weekly-only account as one window named weekly', async () => {
    await twoAccounts();
    service.setAccountUsage(GRACE.accountId, {
      limitReached: true,
      windows: [
        { name: 'weekly', usedPercent: 100, resetsAt: new Date(Date.now() + 3 * 86_400_000).toISOString() },
      ],
      fetchedAt: new Date().toISOString(),
    });
    const usage = page.getByRole('region', { name: 'Usage limits' });
    await visible(usage.getByText('Weekly limit reached.'));
    // The pushed list is newer than the panel's first read: one bar, the weekly one.
    expect(await usage.getByRole('meter').count()).toBe(1);
    expect(await usage.getByRole('meter', { name: 'Weekly limit' }).count()).toBe(1);
    await switcherButton(GRACE.email).click();
    await visible(panel().getByText('Weekly limit reached', { exact: true }));
    const meters = panel().getByRole('meter', { name: 'Weekly limit of grace@example.com' });
    expect(await meters.count()).toBe(1);
    await axe('active account limited');
  });
});
