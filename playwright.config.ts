/**
 * End-to-end UI tests (e2e/*.spec.ts): the real `keybridge serve --ui` host, a real oidc-provider and
 * Debian's Chromium. Playwright never downloads a browser here: the one at /usr/bin/chromium is launched by
 * path (KEYBRIDGE_TEST_CHROMIUM overrides it), and nothing below names a Playwright-managed channel.
 *
 * Vitest owns `*.test.ts` (vitest.config.ts); Playwright owns only `e2e/*.spec.ts`.
 */
import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './test/support/chromium';

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  outputDir: 'test-results/e2e',
  // Builds dist/ (CLI, host, renderer) when a source file is newer than it: the specs run the built CLI.
  globalSetup: './e2e/support/global-setup.ts',
  fullyParallel: true,
  // A 2-core machine: two workers, each with its own authorization server, hosts and browser.
  workers: 2,
  retries: 0,
  forbidOnly: !!process.env.CI,
  // Sized for a slow CI machine: a test starts a host, signs in through two pages and stops the host.
  timeout: 90_000,
  globalTimeout: 15 * 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    browserName: 'chromium',
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_ARGS,
    },
    viewport: { width: 900, height: 700 },
    actionTimeout: 15_000,
    navigationTimeout: 30_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
});
