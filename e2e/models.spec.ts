/**
 * Tier, models and usage at a glance (issue #4), through the browser UI of `keybridge serve --ui`: a Plus and
 * a Pro account see their own model lists and usage bars, pick a default model that `keybridge models` then
 * reports, and — offline — the saved list with its age. The ChatGPT backend is the local stand-in
 * (test/support/chatgpt-server.ts), which checks every token against the test authorization server.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator, Page, TestInfo } from '@playwright/test';
import { expect, signInThroughUi, test } from './support/models-fixtures';
import { viewTitle } from './support/ui';

const PRICING_URL = 'https://openai.com/chatgpt/pricing/';
const PLUS = ['gpt-5.1-codex', 'gpt-5.1', 'gpt-5.1-codex-mini'];
const PRO = ['gpt-5.1-codex-max', 'gpt-5.1-codex', 'gpt-5.1', 'gpt-5.1-codex-mini', 'gpt-5-pro'];

// Tall enough for the whole signed-in card; screenshots are full-page anyway.
test.use({ viewport: { width: 900, height: 1000 } });

const modelsPanel = (page: Page) => page.getByRole('region', { name: 'Models' });
const usagePanel = (page: Page) => page.getByRole('region', { name: 'Usage limits' });
const radios = (page: Page) => modelsPanel(page).getByRole('radio');
const slugsShown = (page: Page) =>
  radios(page).evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));

async function fullShot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const path = join(testInfo.project.outputDir, 'screenshots', `${name}.png`);
  await page.screenshot({ path, fullPage: true, animations: 'disabled', caret: 'hide' });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

async function expectMeter(panel: Locator, name: string, percent: number): Promise<void> {
  const meter = panel.getByRole('meter', { name });
  await expect(meter).toHaveAttribute('aria-valuenow', String(percent));
  await expect(panel.getByText(`${percent}% used`)).toBeVisible();
}

async function modelsJson(host: { cli(...a: string[]): Promise<{ code: number | null; stdout: string }> }) {
  const r = await host.cli('models', '--json');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as {
    models: Array<{ slug: string }>;
    selected: string | null;
    stale: boolean;
    source: string;
    fetchedAt: string | null;
    error?: { code: string };
  };
}

test('a Plus account: its plan, its three models, its usage bars, and a default model the CLI reports', async ({
  page,
  folders,
}, testInfo) => {
  const host = await folders.serve(await folders.create());
  await signInThroughUi(page, host.url, 'ada@example.com', 'ada@example.com');
  await expect(page.getByLabel('Plan: Plus')).toHaveText('Plus');

  await expect(radios(page)).toHaveCount(3);
  expect(await slugsShown(page)).toEqual(PLUS);
  await expect(
    modelsPanel(page)
      .getByRole('radio', { name: /^GPT-5\.1 Codex\b/ })
      .first(),
  ).toBeVisible();
  // The backend's hidden entries never show.
  await expect(page.getByText('codex-auto-review')).toHaveCount(0);
  await expect(modelsPanel(page).getByText(/^Updated (just now|\d+ min ago)$/)).toBeVisible();
  await expect(modelsPanel(page).getByText('Pick the default model tools should use.')).toBeVisible();

  const usage = usagePanel(page);
  await expectMeter(usage, '5-hour limit', 42);
  await expectMeter(usage, 'Weekly limit', 17);
  await expect(usage.getByText(/^Resets in 2 h (9|10) min$/)).toBeVisible();
  await expect(usage.getByText(/^Resets in 3 d (4|5) h$/)).toBeVisible();

  // "Models not appearing?" names the plan and opens OpenAI's pricing page.
  await modelsPanel(page).getByText('Models not appearing?').click();
  await expect(modelsPanel(page).getByText(/This account is on the Plus plan\./)).toBeVisible();
  await page
    .context()
    .route('https://openai.com/**', (r) => r.fulfill({ body: 'pricing', contentType: 'text/plain' }));
  const opened = page.context().waitForEvent('page');
  await modelsPanel(page).getByRole('button', { name: 'Compare ChatGPT plans' }).click();
  const pricing = await opened;
  await expect(pricing).toHaveURL(PRICING_URL);
  await pricing.close();

  // Pick a default: the UI, the status, the tray's tooltip source and `keybridge models` agree.
  await modelsPanel(page)
    .getByRole('radio', { name: /^GPT-5\.1\s*gpt-5\.1\b/ })
    .check();
  await expect(modelsPanel(page).getByRole('radio', { name: /^GPT-5\.1\s*Default/ })).toBeChecked();
  await expect(page.locator('dl').getByText('gpt-5.1', { exact: true })).toBeVisible();
  const json = await modelsJson(host);
  expect(json.models.map((m) => m.slug)).toEqual(await slugsShown(page));
  expect(json.selected).toBe('gpt-5.1');
  expect(JSON.parse((await host.cli('status', '--json')).stdout).selectedModel).toBe('gpt-5.1');
  const human = await host.cli('models');
  expect(human.stdout).toMatch(/^\* gpt-5\.1 +GPT-5\.1$/m);

  await page.evaluate(() => window.scrollTo(0, 0));
  await fullShot(page, testInfo, 'models-plus');
});

test('a Pro account: the Pro-only models and its own, lower usage', async ({ page, folders }, testInfo) => {
  const host = await folders.serve(await folders.create());
  // The test authorization server gives a `name+PLAN@…` login that plan.
  await signInThroughUi(page, host.url, 'grace+pro@example.com', 'grace+pro@example.com');
  await expect(page.getByLabel('Plan: Pro')).toHaveText('Pro');

  await expect(radios(page)).toHaveCount(5);
  expect(await slugsShown(page)).toEqual(PRO);
  await expect(modelsPanel(page).getByRole('radio', { name: /^GPT-5\.1 Codex Max/ })).toBeVisible();
  await expect(modelsPanel(page).getByRole('radio', { name: /^GPT-5 Pro/ })).toBeVisible();
  await expectMeter(usagePanel(page), '5-hour limit', 8);
  await expectMeter(usagePanel(page), 'Weekly limit', 3);
  await expect(usagePanel(page).getByText(/^Resets in 4 h (29|30) min$/)).toBeVisible();

  await modelsPanel(page)
    .getByRole('radio', { name: /^GPT-5\.1 Codex Max/ })
    .check();
  await expect(modelsPanel(page).getByRole('radio', { name: /^GPT-5\.1 Codex Max\s*Default/ })).toBeChecked();
  const json = await modelsJson(host);
  expect(json.models.map((m) => m.slug)).toEqual(await slugsShown(page));
  expect(json.selected).toBe('gpt-5.1-codex-max');

  await page.evaluate(() => window.scrollTo(0, 0));
  await fullShot(page, testInfo, 'models-pro');
  await page.emulateMedia({ colorScheme: 'dark' });
  await fullShot(page, testInfo, 'models-pro-dark');
  await page.emulateMedia({ colorScheme: 'light' });
});

test('offline: the saved list with its age and the chosen default, and usage says it cannot be had', async ({
  page,
  folders,
  chat,
}, testInfo) => {
  const h = await folders.create();
  const first = await folders.serve(h);
  await signInThroughUi(page, first.url, 'ada@example.com', 'ada@example.com');
  await expect(radios(page)).toHaveCount(3);
  await modelsPanel(page)
    .getByRole('radio', { name: /^GPT-5\.1 Codex Mini/ })
    .check();
  await expect(
    modelsPanel(page).getByRole('radio', { name: /^GPT-5\.1 Codex Mini\s*Default/ }),
  ).toBeChecked();
  await first.stop();

  // Three hours later, without a network: the saved list is that old (as the clock would have made it),
  // and the ChatGPT backend cannot be reached.
  const cacheFile = join(h.home, 'cache', 'models-acc-ada.json');
  const saved = JSON.parse(await readFile(cacheFile, 'utf8'));
  saved.fetchedAt = new Date(Date.now() - 3 * 3_600_000 - 60_000).toISOString();
  await writeFile(cacheFile, JSON.stringify(saved));
  await chat.setMode('offline');

  const second = await folders.serve(h);
  await page.goto(second.url);
  await expect(viewTitle(page)).toHaveText('ada@example.com');
  const models = modelsPanel(page);
  await expect(models.getByRole('status')).toHaveText('Offline. Showing the list saved 3 h ago.');
  expect(await slugsShown(page)).toEqual(PLUS);
  await expect(models.getByRole('radio', { name: /^GPT-5\.1 Codex Mini/ })).toBeChecked();
  await expect(
    usagePanel(page).getByText(/ChatGPT could not be reached\. Usage limits are not available/),
  ).toBeVisible();
  await expect(page.getByRole('meter')).toHaveCount(0);

  const json = await modelsJson(second);
  expect(json).toMatchObject({
    stale: true,
    source: 'cache',
    fetchedAt: saved.fetchedAt,
    selected: 'gpt-5.1-codex-mini',
  });
  expect(json.error?.code).toBe('chatgpt_unreachable');
  expect(json.models.map((m) => m.slug)).toEqual(await slugsShown(page));
  // The session itself is untouched by the backend being unreachable.
  await expect(page.getByText('Connected', { exact: true })).toBeVisible();

  await page.evaluate(() => window.scrollTo(0, 0));
  await fullShot(page, testInfo, 'models-offline');

  // Back online: asking again replaces the note with a fresh list and the bars come back.
  await chat.setMode('online');
  await models.getByRole('button', { name: 'Check for new models' }).click();
  await expect(models.getByRole('status')).toHaveCount(0);
  await expect(models.getByText('Updated just now')).toBeVisible();
  await usagePanel(page).getByRole('button', { name: 'Try again' }).click();
  await expectMeter(usagePanel(page), '5-hour limit', 42);
});

test('server errors: an honest message instead of a list, and the plan help open', async ({
  page,
  folders,
  chat,
}, testInfo) => {
  await chat.setMode('error');
  const host = await folders.serve(await folders.create());
  await signInThroughUi(page, host.url, 'ada@example.com', 'ada@example.com');
  const models = modelsPanel(page);
  await expect(models.getByText('ChatGPT answered with an error')).toBeVisible();
  await expect(models.getByText(/HTTP 500/)).toBeVisible();
  await expect(radios(page)).toHaveCount(0);
  await expect(models.getByText(/This account is on the Plus plan\./)).toBeVisible();
  await expect(
    usagePanel(page).getByText(/ChatGPT answered with an error\. Usage limits are not available/),
  ).toBeVisible();
  const r = await host.cli('models');
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');

  await fullShot(page, testInfo, 'models-server-error');

  await chat.setMode('online');
  await models.getByRole('button', { name: 'Check for new models' }).click();
  await expect(radios(page)).toHaveCount(3);
});
