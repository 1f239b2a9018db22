/**
 * Playwright fixtures for the UI specs:
 * - `oidc` (one per worker): a real oidc-provider (test/support/oidc-server.ts) that knows Ada, a Plus user.
 * - `hosts`: starts `keybridge serve --ui` hosts for this test and stops them (and removes their data
 *   folders) afterwards; a failed test gets each host's output attached.
 * - `shot`: a screenshot saved under a stable name in test-results/e2e/screenshots/ and attached to the test.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { test as base, expect, type Page } from '@playwright/test';
import { startOidcServer, type OidcServer } from '../../test/support/oidc-server';
import { startUiHost, type UiHost } from './ui-host';

export const ADA = { login: 'ada@example.com', email: 'ada@example.com', plan: 'plus', accountId: 'acc-ada' };
/** What the signed-in view shows for ADA. */
export const ADA_VIEW = { email: ADA.email, planLabel: 'Plus', accountId: ADA.accountId };

export interface Hosts {
  /** `keybridge serve --ui` against this worker's authorization server; extra KEYBRIDGE_* env on top. */
  start(extraEnv?: Record<string, string>): Promise<UiHost>;
}

export type Shot = (page: Page, name: string) => Promise<void>;

export const test = base.extend<{ hosts: Hosts; shot: Shot }, { oidc: OidcServer }>({
  oidc: [
    // Playwright reads the fixture's dependencies from the first parameter's destructuring.
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startOidcServer({
        accounts: { [ADA.login]: { plan: ADA.plan, accountId: ADA.accountId, email: ADA.email } },
      });
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],

  hosts: async ({ oidc }, use, testInfo) => {
    const started: UiHost[] = [];
    await use({
      async start(extraEnv = {}) {
        const host = await startUiHost(oidc.issuer, oidc.clientId, extraEnv);
        started.push(host);
        return host;
      },
    });
    for (const [i, host] of started.entries()) {
      const code = await host.stop();
      if (testInfo.status !== testInfo.expectedStatus)
        await testInfo.attach(`host-${i + 1}-output.txt`, {
          body: `${host.output()}\n[exit code ${code}]\n`,
          contentType: 'text/plain',
        });
    }
  },

  // eslint-disable-next-line no-empty-pattern
  shot: async ({}, use, testInfo) => {
    const dir = join(testInfo.project.outputDir, 'screenshots');
    await mkdir(dir, { recursive: true });
    await use(async (page, name) => {
      const path = join(dir, `${name}.png`);
      // The pointer rests where the last click was; a hover highlight there is not part of the state.
      await page.mouse.move(0, 0);
      // Spinners and the countdown keep moving: freeze CSS animations so the picture is the state, not a frame.
      await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
      await testInfo.attach(name, { path, contentType: 'image/png' });
    });
  },
});

export { expect };
