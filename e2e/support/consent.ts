/**
 * The test authorization server's consent, driven in a tab the Keybridge UI already opened (the sign-in
 * button opens it with window.open). Same steps as test/support/browser.ts completeSignIn, which opens its
 * own context instead: oidc-provider's dev-interactions login (any password) and its consent page.
 */
import type { Page } from '@playwright/test';

export interface ConsentOptions {
  /** The login name: an account key of the test server (startOidcServer's `accounts`). */
  login: string;
  /** Press "[ Cancel ]" on the consent page: the client receives error=access_denied (RFC 6749 §4.1.2.1). */
  deny?: boolean;
}

export async function completeConsent(page: Page, opts: ConsentOptions): Promise<void> {
  // A browser that signed in at the server before skips the login form (its session cookie), and one that
  // also approved this client before may skip the consent page too: take whichever step comes next.
  const login = page.locator('input[name="login"]');
  const consent = page.locator('input[name="prompt"][value="consent"]');
  const submit = page.locator('button[type="submit"]');
  let loggedIn = false;
  // Polled, so the generous deadline costs nothing where the server answers at once (a loaded CI machine may not).
  for (const deadline = Date.now() + 90_000; Date.now() < deadline;) {
    if (!loggedIn && (await login.isVisible())) {
      await login.fill(opts.login);
      await page.locator('input[name="password"]').fill('any password');
      await submit.click();
      loggedIn = true;
      continue;
    }
    if ((await consent.count()) > 0) {
      if (opts.deny) await page.locator('a', { hasText: 'Cancel' }).click();
      else await submit.click();
      return;
    }
    if (!isAtServer(page)) return; // already redirected back to the app
    await page.waitForTimeout(100);
  }
  throw new Error(`completeConsent: neither a login form nor a consent page at ${page.url()}`);
}

/** True while the tab still shows the authorization server (its login/consent/interaction pages). */
function isAtServer(page: Page): boolean {
  const url = page.url();
  return url === 'about:blank' || /\/(oauth|interaction)\//.test(new URL(url).pathname);
}

/**
 * The `keybridge://oauth/callback?…` redirect (RFC 8252 §7.1) the server sends the consent tab to. A browser
 * without a handler for the scheme never loads it, so it is taken from the 303's Location header (or from
 * whichever request event Chromium reports it in). Call before the consent is submitted.
 */
export function captureSchemeRedirect(page: Page, timeoutMs = 30_000): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(new Error(`no keybridge:// redirect within ${timeoutMs} ms (consent tab at ${page.url()})`)),
      timeoutMs,
    );
    const take = (url: string | undefined) => {
      if (!url?.startsWith('keybridge:')) return;
      clearTimeout(timer);
      resolve(url);
    };
    page.on('response', (r) => take(r.headers()['location']));
    page.on('request', (r) => take(r.url()));
    page.on('requestfailed', (r) => take(r.url()));
  });
}
