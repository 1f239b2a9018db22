/**
 * The second security review's callback theft: `localhost` in the redirect URI means `[::1]` as well as
 * 127.0.0.1 (Chromium tries `[::1]` first), so the receiver must hold the port on both for the whole attempt.
 * Here another process binds `[::1]:PORT` first, the way another local user would; and a browser that
 * delivers to `[::1]` completes the sign-in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, providerFor, rejection } from '../../test/support/auth-fixtures';
import { signInOverHttp } from '../../test/support/http-sign-in';
import { startOidcServer, type OidcServer } from '../../test/support/oidc-server';
import { createOAuthClient } from './client';
import { hasIpv6Loopback, startLoopbackReceiver } from './loopback-receiver';

const ipv6 = await hasIpv6Loopback();
if (!ipv6) console.log('loopback-ipv6.test.ts: skipped — this machine has no IPv6 loopback (::1)');

let oidc: OidcServer;
beforeAll(async () => {
  if (ipv6) oidc = await startOidcServer();
});
afterAll(async () => {
  await oidc?.close();
});

/** Another program (another user's, in the review) listening on [::1]:port only. */
async function squatIpv6(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [
    '-e',
    `require('http').createServer((q, s) => s.end('spoofed page')).listen({ port: ${port}, host: '::1', ipv6Only: true }, () => console.log('up'))`,
  ]);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the squatter exited with ${code}`)));
  });
  return child;
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}

describe.skipIf(!ipv6)('the loopback receiver on both loopback addresses', () => {
  it('refuses clearly, naming [::1]:PORT, when another process holds the port on ::1 only', async () => {
    const port = await freePort();
    const squatter = await squatIpv6(port);
    try {
      const e = await rejection(startLoopbackReceiver([port], async () => ({ ok: true })));
      expect(e.code).toBe('port_in_use');
      expect(e.message).toContain(`Port ${port} is in use (taken: [::1]:${port})`);
      // 127.0.0.1:port was bound for a moment and is free again: nothing is left half-held.
      const again = startLoopbackReceiver([port], async () => ({ ok: true }), undefined, { ipv6: false });
      await (await again).close();
    } finally {
      await stop(squatter);
    }
  });

  it('falls back to the next port (like 1455 → 1457) and signs in there when [::1] is taken', async () => {
    const first = await freePort();
    const second = await freePort();
    const squatter = await squatIpv6(first);
    const logs: string[] = [];
    try {
      const c = createOAuthClient(
        providerFor(oidc.issuer, oidc.clientId, { loopbackPorts: [first, second] }),
        { log: (m) => logs.push(m) },
      );
      const attempt = await c.beginSignIn();
      expect(attempt.redirectUri).toBe(`http://localhost:${second}/auth/callback`);
      expect(logs.join('\n')).toContain(`port ${first} is busy: [::1]:${first} (EADDRINUSE) is taken`);
      await signInOverHttp(attempt.url, 'ada');
      await expect(attempt.result).resolves.toMatchObject({ tokenType: 'Bearer' });
    } finally {
      await stop(squatter);
    }
  });

  it('holds [::1]:PORT for the whole attempt, and a delivery there completes the sign-in', async () => {
    const c = createOAuthClient(providerFor(oidc.issuer, oidc.clientId, { loopbackPorts: [0] }));
    const attempt = await c.beginSignIn();
    const port = Number(new URL(attempt.redirectUri).port);
    // While the attempt waits, nobody else can take the port on ::1.
    const squatter = spawn(process.execPath, [
      '-e',
      `require('net').createServer().listen({ port: ${port}, host: '::1', ipv6Only: true }).on('error', (e) => { console.log(e.code); process.exit(0) }).on('listening', () => { console.log('bound'); process.exit(0) })`,
    ]);
    let said = '';
    squatter.stdout.on('data', (d) => (said += d));
    await new Promise((r) => squatter.once('exit', r));
    expect(said.trim()).toBe('EADDRINUSE');

    const delivered = await signInOverHttp(attempt.url, 'ada', {
      rewriteRedirect: (r) => r.replace(`//localhost:${port}/`, `//[::1]:${port}/`),
    });
    expect(delivered.redirect.startsWith(`http://[::1]:${port}/auth/callback?`)).toBe(true);
    expect(delivered.callbackStatus).toBe(200);
    await expect(attempt.result).resolves.toMatchObject({ tokenType: 'Bearer' });
  });
});
