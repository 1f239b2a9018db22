/**
 * For e2e/models.spec.ts: the shared fixtures (support/fixtures.ts) plus a ChatGPT stand-in per worker
 * (test/support/chatgpt-server.ts, verifying tokens of the worker's authorization server), and a way to run
 * `keybridge serve --ui` twice on the same data folder (a restart, for the offline case), which the shared
 * `hosts` fixture does not do: it removes the data folder when a host stops.
 */
import type { Page } from '@playwright/test';
import { startChatgptServer, type ChatgptServer } from '../../test/support/chatgpt-server';
import { makeHostEnv, removeHome, type HostEnv } from '../../test/support/host';
import { completeConsent } from './consent';
import { expect, test as base } from './fixtures';
import { openSignedOut, startSignIn, viewTitle } from './ui';
import { serveUi, type UiHost } from './ui-host';

export { expect };

/** A host whose `stop()` leaves the data folder, so another can start on it (a restart). */
export type RestartableHost = UiHost;

export interface DataFolders {
  /** A fresh data folder whose host talks to this worker's authorization server and ChatGPT stand-in. */
  create(): Promise<HostEnv>;
  /** `keybridge serve --ui` on that folder; stopped (and the folder removed) after the test. */
  serve(h: HostEnv): Promise<RestartableHost>;
}

export const test = base.extend<{ folders: DataFolders }, { chat: ChatgptServer }>({
  chat: [
    async ({ oidc }, use) => {
      const server = await startChatgptServer({ issuer: oidc.issuer });
      await use(server);
      await server.close();
    },
    { scope: 'worker' },
  ],

  folders: async ({ oidc, chat }, use, testInfo) => {
    const homes: HostEnv[] = [];
    const running: RestartableHost[] = [];
    await use({
      async create() {
        const h = await makeHostEnv(oidc.issuer, oidc.clientId, { KEYBRIDGE_CHATGPT_BASE: chat.base });
        homes.push(h);
        return h;
      },
      async serve(h) {
        const host = await serveUi(h);
        running.push(host);
        return host;
      },
    });
    for (const [i, host] of running.entries()) {
      const code = await host.stop();
      if (testInfo.status !== testInfo.expectedStatus)
        await testInfo.attach(`host-${i + 1}-output.txt`, {
          body: `${host.output()}\n[exit code ${code}]\n`,
          contentType: 'text/plain',
        });
    }
    for (const h of homes) await removeHome(h);
    // The stand-in is shared by the worker's tests: whatever a test switched, the next one starts online.
    await chat.setMode('online');
  },
});

/** Opens the host's link, signs in as `login` through the consent tab, and waits for the signed-in view. */
export async function signInThroughUi(page: Page, url: string, login: string, email: string): Promise<void> {
  await openSignedOut(page, url);
  const consent = await startSignIn(page);
  await completeConsent(consent, { login });
  await expect(viewTitle(page)).toHaveText(email);
  await consent.close();
}
