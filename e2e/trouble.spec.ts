/**
 * Troubleshooting states in the UI (the job "Recover from trouble" of docs/design.md "User jobs";
 * docs/troubleshooting.md): a declined consent, and a session whose refresh token was spent elsewhere
 * ("connection keeps expiring" → sign in again, never a retry loop).
 */
import { createFileKeyCipher } from '../core/vault/file-key-cipher';
import { Vault } from '../core/vault/vault';
import { activeSession } from '../core/vault/contents';
import type { OidcServer } from '../test/support/oidc-server';
import { completeConsent } from './support/consent';
import { ADA, ADA_VIEW, expect, test } from './support/fixtures';
import { expectSignedIn, openSignedOut, signInAs, signInButton, startSignIn, viewTitle } from './support/ui';

/** Redeems `refreshToken` at the token endpoint, as another tool holding a copy would (RFC 6749 §6). */
async function redeemElsewhere(oidc: OidcServer, refreshToken: string): Promise<number> {
  const res = await fetch(`${oidc.issuer}/oauth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: oidc.clientId,
    }),
  });
  await res.body?.cancel();
  return res.status;
}

test('a declined consent shows “Access was not granted” and the next step', async ({ page, hosts, shot }) => {
  const host = await hosts.start();
  await openSignedOut(page, host.url);
  const consent = await startSignIn(page);
  await completeConsent(consent, { login: ADA.login, deny: true });
  // The loopback receiver answers the consent tab too (RFC 6749 §4.1.2.1 error=access_denied).
  await expect(consent.getByRole('heading')).toHaveText('Sign-in did not complete');

  await expect(viewTitle(page)).toHaveText('Connect your OpenAI account');
  const problem = page.locator('.problem[data-code="access_denied"]');
  await expect(problem).toBeVisible();
  await expect(problem).toContainText('Access was not granted');
  await expect(problem).toContainText(
    'The consent page was declined. Sign in again and choose Continue, or use a different account.',
  );
  await expect(signInButton(page)).toBeEnabled();
  await shot(page, 'access-denied');
  const status = await host.cli('status', '--json');
  expect(status.code).toBe(4);
  expect(JSON.parse(status.stdout).lastError.code).toBe('access_denied');

  // The next step works: sign in again, approve this time.
  await consent.close();
  const again = await startSignIn(page);
  await completeConsent(again, { login: ADA.login });
  await expectSignedIn(page, ADA_VIEW);
  await expect(page.locator('.problem[data-code="access_denied"]')).toHaveCount(0);
});

test('a refresh token spent elsewhere ends in “sign in again”, with no retry loop', async ({
  page,
  hosts,
  oidc,
  shot,
}) => {
  const host = await hosts.start();
  await signInAs(page, host.url, ADA.login, ADA_VIEW);

  // Another tool redeems the host's single-use refresh token: the host's copy is now spent.
  const stored = activeSession(
    await new Vault({ dir: host.h.home, cipher: await createFileKeyCipher(host.h.home) }).load(),
  );
  expect(await redeemElsewhere(oidc, stored!.refreshToken)).toBe(200);
  // A tool asks for a token that must outlive the current one: the host refreshes, and the server refuses.
  const token = await host.cli('token', '--min-ttl', '86400');
  expect(token.code).not.toBe(0);
  expect(token.stderr).toMatch(/sign in again/i);

  await expect(viewTitle(page)).toHaveText('Your session ended — sign in again');
  await expect(page.getByText('Needs attention', { exact: true })).toBeVisible();
  await expect(page.getByText(/Keybridge will not retry on its own/)).toBeVisible();
  await expect(signInButton(page)).toBeEnabled();
  await shot(page, 'expired');

  // No retry loop: for the next few seconds no request reaches the token endpoint and the view stays.
  const requests = oidc.stats.tokenRequests;
  await page.waitForTimeout(3_000);
  expect(oidc.stats.tokenRequests).toBe(requests);
  await expect(viewTitle(page)).toHaveText('Your session ended — sign in again');
  // A tool asking again gets the same answer without another refresh attempt.
  expect((await host.cli('token', '--min-ttl', '86400')).code).not.toBe(0);
  expect(oidc.stats.tokenRequests).toBe(requests);
  const status = await host.cli('status', '--json');
  expect(status.code).toBe(4);
  expect(JSON.parse(status.stdout).state).toBe('expired');

  // "Sign in again" is the way out.
  const again = await startSignIn(page);
  await completeConsent(again, { login: ADA.login });
  await expectSignedIn(page, ADA_VIEW);
});
