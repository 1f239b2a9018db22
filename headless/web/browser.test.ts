/**
 * The real thing: the renderer built by Vite from the current sources, served by startWebUi, opened in
 * Debian's Chromium from the printed link. Screenshots go to test-results/ui-*.png.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, startWebUi, type WebUi } from './index';
import { statuses, TestService } from '../../test/support/fake-service';
import {
  builtRendererInChromium,
  SCREENSHOTS as shots,
  type BuiltRenderer,
} from '../../test/support/renderer-build';

let built: BuiltRenderer;
let outDir: string;
let service: TestService;
let ui: WebUi;
let context: BrowserContext;
let page: Page;
const consoleErrors: string[] = [];

beforeAll(async () => {
  built = await builtRendererInChromium('kb-renderer-');
  outDir = built.outDir;
  service = new TestService();
  ui = await startWebUi({ service, staticDir: outDir });
  // The consent page the sign-in opens: a page of this same server, so nothing leaves the machine.
  service.authorizeUrl = `http://127.0.0.1:${ui.port}/favicon.svg`;
  context = await built.browser.newContext({ viewport: { width: 900, height: 700 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: `http://127.0.0.1:${ui.port}`,
  });
  page = await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
}, 60_000);

afterAll(async () => {
  await context?.close();
  await ui?.close();
  await built?.close();
});

describe('the UI in Chromium', () => {
  it('the built page carries the same CSP as the server', async () => {
    const html = await readFile(join(outDir, 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(CONTENT_SECURITY_POLICY);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/); // no inline script
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('opens from the printed link, shows the signed-out view and drops the token from the address bar', async () => {
    await page.goto(ui.url);
    const signIn = page.getByRole('button', { name: 'Sign in with OpenAI' });
    await expect.poll(() => signIn.isEnabled()).toBe(true);
    expect(page.url()).toBe(`http://127.0.0.1:${ui.port}/`);
    await page.screenshot({ path: join(shots, 'ui-signed-out-tab.png') });
  });

  it('shows the account when the host reports a sign-in', async () => {
    service.setStatus(statuses.signedIn());
    await expect.poll(() => page.getByRole('heading', { name: 'ada@example.com' }).isVisible()).toBe(true);
    expect(await page.getByLabel('Plan: Plus').textContent()).toBe('Plus');
    expect(await page.getByText('Refreshes in 3 h 12 min').isVisible()).toBe(true);
    expect(await page.getByText('12 min ago').isVisible()).toBe(true);
    expect(await page.getByText('System keyring (Secret Service)').isVisible()).toBe(true);
    expect(await page.locator('#announcer').textContent()).toContain('Signed in as ada@example.com');
    await page.screenshot({ path: join(shots, 'ui-signed-in-tab.png') });

    await page.setViewportSize({ width: 360, height: 480 });
    await page.screenshot({ path: join(shots, 'ui-signed-in-popover.png') });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300); // let the buttons' colour transition finish
    await page.screenshot({ path: join(shots, 'ui-signed-in-popover-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 900, height: 700 });
  });

  it('copies the account id and confirms sign-out inline before signing out', async () => {
    await page.getByRole('button', { name: 'Copy account ID' }).click();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(
      statuses.signedIn().account?.accountId,
    );

    await page.getByRole('button', { name: 'Sign out' }).click();
    const group = page.getByRole('group', {
      name: /Sign out of ada@example.com\? Connected tools lose access\./,
    });
    await expect.poll(() => group.isVisible()).toBe(true);
    // Focus lands on the safe choice; Escape-free, keyboard-only cancel works.
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Cancel');
    await page.keyboard.press('Enter');
    await expect.poll(() => group.isVisible()).toBe(false);
    expect(service.calls.map((c) => c.method)).not.toContain('auth.logout');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.screenshot({ path: join(shots, 'ui-confirm-sign-out.png') });
    await group.getByRole('button', { name: 'Sign out' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Sign in with OpenAI' }).isVisible()).toBe(true);
    expect(service.calls.map((c) => c.method)).toContain('auth.logout');
  });

  it('signs in: opens the consent page in a new tab, waits, copies the link and takes a pasted redirect URL', async () => {
    const newTab = context.waitForEvent('page');
    await page.getByRole('button', { name: 'Sign in with OpenAI' }).click();
    const consent = await newTab;
    await consent.waitForLoadState();
    expect(consent.url()).toBe(service.authorizeUrl);
    await consent.close();
    expect(service.calls.find((c) => c.method === 'auth.login')?.params).toEqual({ noBrowser: true });

    await expect
      .poll(() => page.getByRole('heading', { name: 'Waiting for the browser…' }).isVisible())
      .toBe(true);
    expect(await page.getByText(/Times out in (9|10) min/).isVisible()).toBe(true);

    await page.getByRole('button', { name: 'Copy link' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Copied' }).isVisible()).toBe(true);
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(service.authorizeUrl);

    await page.getByRole('button', { name: 'Paste redirect URL' }).click();
    const field = page.getByLabel('Redirect URL');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('redirect-url');
    await field.fill('http://localhost:1455/auth/callback?code=old&state=x');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('earlier sign-in');
    await page.screenshot({ path: join(shots, 'ui-signing-in-paste-error.png') });
    await page.setViewportSize({ width: 360, height: 480 });
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(shots, 'ui-signing-in-popover-dark.png') });
    await page.emulateMedia({ colorScheme: 'light' });
    await page.setViewportSize({ width: 900, height: 700 });

    await field.fill('http://localhost:1455/auth/callback?code=good&state=y');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('heading', { name: 'ada@example.com' }).isVisible()).toBe(true);
  });

  it('explains a failure with its own message and next step', async () => {
    service.setStatus({
      ...statuses.signedOut(),
      lastError: { code: 'port_in_use', message: 'Port 1455 is in use, and so is the fallback 1457.' },
    });
    await expect.poll(() => page.getByText('Port 1455 is already in use').isVisible()).toBe(true);
    expect(await page.getByText(/often Codex CLI/).isVisible()).toBe(true);

    service.setStatus({
      state: 'expired',
      storage: { kind: 'file-key', protected: false, description: 'File key beside the vault' },
      lastError: { code: 'relogin_required', message: 'The refresh token was already used by another app.' },
    });
    await expect
      .poll(() => page.getByRole('heading', { name: 'Your session ended — sign in again' }).isVisible())
      .toBe(true);
    expect(await page.getByText('The refresh token was already used by another app.').isVisible()).toBe(true);
    await page.screenshot({ path: join(shots, 'ui-expired.png') });
  });

  it('reloads on the session cookie, then reconnects after the host restarts and asks for the new link', async () => {
    await page.reload();
    await expect
      .poll(() => page.getByRole('heading', { name: 'Your session ended — sign in again' }).isVisible())
      .toBe(true);

    const port = ui.port;
    await ui.close();
    await expect.poll(() => page.getByText('Reconnecting to Keybridge…').first().isVisible()).toBe(true);
    await page.screenshot({ path: join(shots, 'ui-reconnecting.png') });

    // A new run on the same port: this tab's session belonged to the old one.
    ui = await startWebUi({ service, staticDir: outDir, port });
    await expect
      .poll(() => page.getByRole('heading', { name: 'Open Keybridge from its link' }).isVisible(), {
        timeout: 20_000,
      })
      .toBe(true);

    // Its new link works in the same tab.
    service.setStatus(statuses.signedIn());
    await page.goto(ui.url);
    await expect.poll(() => page.getByRole('heading', { name: 'ada@example.com' }).isVisible()).toBe(true);
    // Nothing the CSP had to block (Chromium only notes that a meta tag cannot carry frame-ancestors; the
    // server's header does).
    expect(
      consoleErrors.filter((e) => /Refused to|violates the following Content Security Policy/i.test(e)),
    ).toEqual([]);
  });

  it('never has a token in the page', async () => {
    const html = await page.content();
    expect(html).not.toMatch(/eyJ[A-Za-z0-9_-]{5,}\./);
    expect(await page.evaluate(() => document.cookie)).toBe(''); // the session cookie is HttpOnly
  });
});
