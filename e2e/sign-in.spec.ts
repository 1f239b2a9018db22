/**
 * Sign-in and sign-out through the browser UI of `keybridge serve --ui` (the jobs "Sign in from the tray",
 * "See status at a glance" and "Disconnect with one click" of docs/design.md "User jobs"), with the loopback
 * redirect (RFC 8252 §7.3), a real oidc-provider and Debian's Chromium. The UI's link is the one the host
 * printed, and it works once.
 */
import { createFileKeyCipher } from '../core/vault/file-key-cipher';
import { Vault } from '../core/vault/vault';
import { activeSession } from '../core/vault/contents';
import { completeConsent } from './support/consent';
import { ADA, ADA_VIEW, expect, test } from './support/fixtures';
import { expectSignedIn, openSignedOut, signInAs, signInButton, startSignIn, viewTitle } from './support/ui';

test('signs in with OpenAI from the UI: consent in a new tab, then the account in the UI tab', async ({
  page,
  hosts,
  shot,
}) => {
  const host = await hosts.start();
  const frames: string[] = [];
  page.on('websocket', (ws) => {
    ws.on('framereceived', (f) => frames.push(String(f.payload)));
    ws.on('framesent', (f) => frames.push(String(f.payload)));
  });

  await openSignedOut(page, host.url);
  // The one-time token leaves the address bar as soon as the page has read it.
  expect(page.url()).not.toContain('token=');
  await expect(page.getByText('Signed out', { exact: true })).toBeVisible();
  await shot(page, 'signed-out');

  const consent = await startSignIn(page);
  await expect(page.getByRole('button', { name: 'Cancel' })).toBeEnabled();
  await expect(page.getByRole('button', { name: 'Paste redirect URL' })).toBeVisible();
  await expect(page.getByText(/^Times out in /)).toBeVisible();
  await shot(page, 'signing-in');

  // The consent tab opened the host's authorization request: PKCE S256 and this host's loopback redirect.
  const signingIn = JSON.parse((await host.cli('status', '--json')).stdout);
  expect(signingIn.state).toBe('signingIn');
  const authorize = new URL(signingIn.signIn.url);
  expect(authorize.origin).toBe(new URL(consent.url()).origin);
  expect(authorize.searchParams.get('redirect_uri')).toBe(
    `http://localhost:${host.h.env.KEYBRIDGE_LOOPBACK_PORT}/auth/callback`,
  );
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  await completeConsent(consent, { login: ADA.login });
  await expect(consent).toHaveURL(/^http:\/\/localhost:\d+\/auth\/callback\?/);
  await expect(consent.getByRole('heading')).toHaveText("You're signed in to Keybridge.");

  await expectSignedIn(page, ADA_VIEW);
  await shot(page, 'signed-in-light');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  await page.emulateMedia({ colorScheme: 'dark' });
  // The page follows the system's dark mode (prefers-color-scheme), without a reload.
  await expect.poll(background).not.toBe(light);
  await shot(page, 'signed-in-dark');
  await page.emulateMedia({ colorScheme: 'light' });

  // The CLI sees the same session the UI shows.
  const status = await host.cli('status', '--json');
  expect(status.code).toBe(0);
  expect(JSON.parse(status.stdout)).toMatchObject({
    state: 'signedIn',
    account: { email: ADA.email, planType: 'plus', accountId: ADA.accountId },
  });

  // The page talks to the host only in account facts: no token ever crossed its WebSocket.
  const stored = activeSession(
    await new Vault({ dir: host.h.home, cipher: await createFileKeyCipher(host.h.home) }).load(),
  );
  const secrets = [stored!.accessToken, stored!.refreshToken, stored!.idToken].filter(
    (s): s is string => !!s,
  );
  expect(secrets.length).toBeGreaterThanOrEqual(2);
  expect(frames.length).toBeGreaterThan(0);
  for (const s of secrets) expect(frames.some((f) => f.includes(s))).toBe(false);
});

test('signs out after a confirmation, and the host really is signed out', async ({ page, hosts, shot }) => {
  const host = await hosts.start();
  await signInAs(page, host.url, ADA.login, ADA_VIEW);

  await page.getByRole('button', { name: 'Sign out' }).click();
  const confirm = page.getByRole('group', { name: `Sign out of ${ADA.email}? Connected tools lose access.` });
  await expect(confirm).toBeVisible();
  // Focus lands on the harmless choice, so Enter does not sign the person out by accident.
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await shot(page, 'sign-out-confirm');

  // Cancel keeps the session; a second "Sign out" asks again.
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  await expect(viewTitle(page)).toHaveText(ADA.email);
  expect((await host.cli('status')).code).toBe(0);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await confirm.getByRole('button', { name: 'Sign out' }).click();

  await expect(viewTitle(page)).toHaveText('Connect your OpenAI account');
  await expect(signInButton(page)).toBeEnabled();
  await expect(page.getByText(ADA.email)).toHaveCount(0);
  // README "CLI": `keybridge status` exits 4 when signed out; the vault is gone.
  const status = await host.cli('status', '--json');
  expect(status.code).toBe(4);
  expect(JSON.parse(status.stdout)).toMatchObject({ state: 'signedOut' });
  expect((await host.cli('token')).code).toBe(4);
});

test('the printed link works once: a second browser opening it gets no status', async ({
  page,
  browser,
  hosts,
  shot,
}) => {
  const host = await hosts.start();
  await signInAs(page, host.url, ADA.login, ADA_VIEW);

  const stranger = await browser.newContext();
  try {
    const other = await stranger.newPage();
    const frames: string[] = [];
    other.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
    await other.goto(host.url);
    await expect(viewTitle(other)).toHaveText('Open Keybridge from its link');
    await expect(other.getByText(/already used or belongs to an earlier run/)).toBeVisible();
    await shot(other, 'link-used');
    // Nothing about the account reached that page: no email, no state pill, no status frame.
    await expect(other.getByText(ADA.email)).toHaveCount(0);
    await expect(other.getByText('Connected', { exact: true })).toHaveCount(0);
    expect(frames).toEqual([]);
    // "Try again" does not turn a spent link into a session either.
    await other.getByRole('button', { name: 'Try again' }).click();
    await expect(viewTitle(other)).toHaveText('Open Keybridge from its link');
    await expect(other.getByText(ADA.email)).toHaveCount(0);
  } finally {
    await stranger.close();
  }

  // The tab that used the link keeps its session (its cookie), even across a reload.
  await page.reload();
  await expectSignedIn(page, ADA_VIEW);
});
