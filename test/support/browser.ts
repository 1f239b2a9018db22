/**
 * Drives the test authorization server's consent in a real Chromium (Debian's /usr/bin/chromium through
 * playwright-core; Playwright never downloads a browser here).
 */
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

export { CHROMIUM_ARGS, CHROMIUM_PATH };

export type { Browser } from 'playwright-core';

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface CompleteSignInOptions {
  /** The login name typed on the dev-interactions page: the account key of startOidcServer's accounts. */
  login: string;
  /** Press "[ Cancel ]" on the consent page instead of "Continue": the client gets error=access_denied. */
  deny?: boolean;
  /** Overall limit for the whole browser round trip. Default 20 s. */
  timeoutMs?: number;
}

export interface CompleteSignInResult {
  /**
   * The redirect the authorization server sent the browser to: the loopback callback URL (loaded), or the
   * `keybridge://…` URL (captured, never loaded: a browser cannot open a private-use scheme here).
   */
  finalUrl: string;
  /** Loopback only: the visible text of the page the redirect receiver answered with. */
  text?: string;
  /** Loopback only: the HTTP status of the receiver's answer. */
  status?: number;
  /** Loopback only: set when the browser could not load the callback (e.g. nothing listens on the port). */
  loadError?: string;
}

const isCallback = (u: URL) =>
  u.protocol === 'http:' &&
  (u.hostname === 'localhost' || u.hostname === '127.0.0.1') &&
  u.pathname === '/auth/callback';

/**
 * Opens `authorizeUrl` in a fresh browser context (no session cookie from earlier sign-ins), signs in with
 * `opts.login` and any password, approves (or denies) the consent, and returns where the browser was sent.
 */
export async function completeSignIn(
  browser: Browser,
  authorizeUrl: string,
  opts: CompleteSignInOptions,
): Promise<CompleteSignInResult> {
  const timeout = opts.timeoutMs ?? 20_000;
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    page.setDefaultTimeout(timeout);
    const redirect = watchForRedirect(page, timeout);
    redirect.catch(() => undefined); // awaited below; a timeout while we still click is reported there

    // The server may answer the authorization request straight away (an error redirect to the client, or
    // its own error page for a bad client/redirect_uri): report that instead of waiting for a login form.
    await page.goto(authorizeUrl).catch(() => undefined);
    if ((await page.locator('input[name="login"]').count()) === 0) {
      const early = await Promise.race([redirect, new Promise<undefined>((r) => setTimeout(r, 1000))]);
      if (early) return early;
      const text = await page.innerText('body').catch(() => '');
      throw new Error(`completeSignIn: no login form at ${page.url()}: ${text.slice(0, 300)}`);
    }
    await page.fill('input[name="login"]', opts.login);
    await page.fill('input[name="password"]', 'any password');
    await Promise.all([
      page.waitForSelector('input[name="prompt"][value="consent"]', { state: 'attached' }),
      page.click('button[type="submit"]'),
    ]);
    if (opts.deny) await page.click('a:has-text("Cancel")');
    else await page.click('button[type="submit"]');
    return await redirect;
  } finally {
    await context.close().catch(() => undefined);
  }
}

function watchForRedirect(page: Page, timeout: number): Promise<CompleteSignInResult> {
  return new Promise<CompleteSignInResult>((resolve, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`completeSignIn: no redirect to the client within ${timeout} ms (at ${page.url()})`),
        ),
      timeout,
    );
    const done = (r: CompleteSignInResult) => {
      clearTimeout(timer);
      resolve(r);
    };
    const scheme = (url: string | undefined) => {
      if (url?.startsWith('keybridge:')) done({ finalUrl: url });
    };
    // The authorization server answers 303 Location: keybridge://…; Chromium will not load it, so take the
    // URL from the redirect response (or from whichever event Chromium reports it in).
    page.on('response', (r) => scheme(r.headers()['location']));
    page.on('request', (r) => scheme(r.url()));
    page.on('requestfailed', (r) => {
      scheme(r.url());
      let u: URL;
      try {
        u = new URL(r.url());
      } catch {
        return;
      }
      if (isCallback(u)) done({ finalUrl: r.url(), loadError: r.failure()?.errorText ?? 'failed' });
    });
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (!isCallback(u) || r.request().frame() !== page.mainFrame()) return;
      const status = r.status();
      page
        .waitForLoadState('load')
        .then(() => page.innerText('body'))
        .then((text) => done({ finalUrl: r.url(), text, status }))
        .catch((e: unknown) => {
          clearTimeout(timer);
          reject(e instanceof Error ? e : new Error(String(e)));
        });
    });
  });
}
