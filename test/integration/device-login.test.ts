/**
 * `keybridge login --device` as a user runs it on a machine without a browser: `keybridge serve`, the
 * CLI printing the page and the code, a person entering the code at the real test authorization server
 * (oidc-provider behind Codex CLI's device endpoints), then `keybridge token` working.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { enterDeviceCode } from '../support/http-sign-in';
import { cli, makeHostEnv, removeHome, runCli, startHost, type HostEnv } from '../support/host';
import { startOidcServer, type OidcServer } from '../support/oidc-server';

let oidc: OidcServer;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  oidc = await startOidcServer({
    accounts: { 'ada@example.com': { plan: 'pro', accountId: 'acc-ada' } },
    device: { intervalSeconds: 1 },
  });
});
afterAll(async () => {
  await oidc?.close();
});
afterEach(async () => {
  oidc.device.setEnabled(true);
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

async function host(): Promise<HostEnv> {
  const h = await makeHostEnv(oidc.issuer, oidc.clientId);
  const running = await startHost(h);
  cleanups.push(() => removeHome(h));
  cleanups.push(() => running.stop());
  return h;
}

describe('keybridge login --device', () => {
  it('prints the page and the code, and exits 0 once the code is entered', async () => {
    const h = await host();
    const login = runCli(h, ['login', '--device'], { timeoutMs: 60_000 });
    const page = await login.waitForStdout(/\/codex\/device$/);
    const code = await login.waitForStdout(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    expect(page).toBe(`${oidc.issuer}/codex/device`);

    // While it waits, the status carries the page and the code (never the device_auth_id).
    const waiting = JSON.parse((await cli(h, 'status', '--json')).stdout) as {
      state: string;
      signIn?: Record<string, string>;
    };
    expect(waiting.state).toBe('signingIn');
    expect(waiting.signIn).toMatchObject({ method: 'device', userCode: code, verificationUrl: page });
    expect(JSON.stringify(waiting)).not.toMatch(/deviceauth_/);

    await enterDeviceCode(page, code, 'ada@example.com');
    const done = await login.done;
    expect(done.stderr).toContain('Signed in as ada@example.com');
    expect(done.code).toBe(0);

    const token = await cli(h, 'token');
    expect(token.code).toBe(0);
    expect(oidc.issued.accessTokens).toContain(token.stdout.trim());
  });

  it('says how to turn device sign-in on, and exits 1, when the server answers 404', async () => {
    const h = await host();
    oidc.device.setEnabled(false);
    const result = await cli(h, 'login', '--device');
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('device code authorization for Codex');
    expect(result.stderr).toContain('Settings → Security');
    expect(result.stderr).toContain('keybridge login');
    expect(result.stdout).toBe('');
  });

  it('cancels the attempt at the host on Ctrl+C', async () => {
    const h = await host();
    const login = runCli(h, ['login', '--device'], { timeoutMs: 60_000 });
    await login.waitForStdout(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
    login.child.kill('SIGINT');
    const done = await login.done;
    expect(done.code).toBe(130);
    expect(done.stderr).toContain('Sign-in cancelled.');
    const status = JSON.parse((await cli(h, 'status', '--json')).stdout) as { state: string };
    expect(status.state).toBe('signedOut');
  });
});
