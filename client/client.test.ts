/**
 * `keybridge/client` against a real `keybridge serve`: credentials, events, and the connection coming back
 * by itself when the host is stopped and started again on the same socket; then the package export as a
 * tool imports it (`import` and `require`).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, makeHostEnv, removeHome, ROOT, startHost } from '../test/support/host';
import { startOidcServer, type OidcServer } from '../test/support/oidc-server';
import { signIn, startSignedInHost, until, type SignedInHost } from '../test/support/signed-in-host';
import { connect, KeybridgeClientError, tokenSha256, type KeybridgeEvent } from './index';

let oidc: OidcServer;
let s: SignedInHost;

beforeAll(async () => {
  oidc = await startOidcServer();
  s = await startSignedInHost(oidc);
});
afterAll(async () => {
  await s?.dispose();
  await oidc?.close();
});

describe('connect', () => {
  it('says when no host is running', async () => {
    const h = await makeHostEnv(oidc.issuer, oidc.clientId);
    try {
      await expect(connect({ name: 'early', socketPath: h.socket })).rejects.toMatchObject({
        name: 'KeybridgeClientError',
        code: 'host_not_running',
      });
    } finally {
      await removeHome(h);
    }
  });

  it('comes back by itself when the host restarts: calls made meanwhile wait, subscriptions are renewed', async () => {
    const kb = await connect({ name: 'survivor', socketPath: s.h.socket });
    try {
      const events: KeybridgeEvent[] = [];
      await kb.subscribe(['status', 'credentials'], (e) => events.push(e));
      const before = await kb.getCredentials();

      await s.host.stop();
      await until('the client to notice', () => events.find((e) => e.type === 'connection' && !e.connected));
      expect(kb.connected).toBe(false);
      // A call while the host is away waits for it rather than failing.
      const waiting = kb.getCredentials();

      s.host = await startHost(s.h);
      const creds = await waiting;
      // The same session, restored from the vault by the new host.
      expect(creds.accountId).toBe(before.accountId);
      await until('the reconnect event', () => events.find((e) => e.type === 'connection' && e.connected));
      expect(kb.connected).toBe(true);

      // Still subscribed: a refresh through the new host reaches this client.
      const fresh = await kb.invalidate(creds.accessToken);
      const heard = await until('the refresh notice', () =>
        events.find((e) => e.type === 'credentials' && e.change.reason === 'refreshed'),
      );
      expect(heard).toMatchObject({
        type: 'credentials',
        change: {
          tokenSha256: tokenSha256(fresh.accessToken),
          accessToken: fresh.accessToken,
          access: 'allowed',
        },
      });
    } finally {
      kb.close();
    }
  });

  it('gives up waiting after waitForHostMs when the host stays away', async () => {
    const kb = await connect({ name: 'impatient', socketPath: s.h.socket, waitForHostMs: 300 });
    try {
      await s.host.stop();
      await until('the client to notice', () => (kb.connected ? undefined : true));
      const t0 = Date.now();
      const err = await kb.getCredentials().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(KeybridgeClientError);
      expect(err).toMatchObject({ code: 'host_not_running' });
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      kb.close();
      s.host = await startHost(s.h);
    }
  });

  it('passes the host’s errors on with their codes', async () => {
    const kb = await connect({ name: 'signed-out-later', socketPath: s.h.socket });
    try {
      expect((await cli(s.h, 'logout')).code).toBe(0);
      await expect(kb.getCredentials()).rejects.toMatchObject({ code: -32001 });
    } finally {
      kb.close();
    }
  });
});

describe('the package export', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        args,
        { cwd: ROOT, env: { ...process.env, KEYBRIDGE_SOCKET: s.h.socket } },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr }),
      ),
    );

  it('is importable as keybridge/client from ESM and CommonJS, and talks to the host', async () => {
    const esm = await run([
      '--input-type=module',
      '-e',
      `import { connect } from 'keybridge/client';
       const kb = await connect({ name: 'esm-tool' });
       console.log((await kb.status()).state);
       kb.close();`,
    ]);
    expect(esm).toMatchObject({ code: 0 });
    expect(esm.out.trim()).toMatch(/^(signedIn|signedOut)$/);
    const cjs = await run([
      '-e',
      `const c = require('keybridge/client'); console.log(typeof c.connect, typeof c.tokenSha256, c.ErrorCodes.AccessDenied);`,
    ]);
    expect(cjs.out.trim()).toBe('function function -32003');
  });
});

describe('the example of docs/client.md', () => {
  it('runs as documented against a host (a 401 once, then the refreshed token works)', async () => {
    const guide = await readFile(join(ROOT, 'docs/client.md'), 'utf8');
    const section = guide.slice(guide.indexOf('### The ten-line example'));
    const example = /```js\n([\s\S]*?)```/.exec(section)?.[1];
    expect(example).toBeDefined();
    expect(example!.trim().split('\n').length).toBeLessThanOrEqual(12);

    // A stand-in for the ChatGPT backend: 401 for the first token it sees, 200 for any other.
    const seen: string[] = [];
    const server = createServer((req, res) => {
      const auth = String(req.headers.authorization ?? '');
      seen.push(auth);
      res.writeHead(seen.length === 1 ? 401 : 200).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/wham/usage`;
    try {
      await signIn(s.h);
      const script =
        example!.replace('https://chatgpt.com/backend-api/wham/usage', url) +
        `\nres = await fetch(${JSON.stringify(url)}, { headers: headers() });\nconsole.log(res.status);\nkb.close();\n`;
      const out = await new Promise<{ code: number; out: string }>((resolve) =>
        execFile(
          process.execPath,
          ['--input-type=module', '-e', script],
          { cwd: ROOT, env: { ...process.env, KEYBRIDGE_SOCKET: s.h.socket } },
          (err, stdout, stderr) => resolve({ code: err ? 1 : 0, out: stdout + stderr }),
        ),
      );
      expect(out).toEqual({ code: 0, out: '200\n' });
      expect(seen).toHaveLength(2);
      expect(seen[0]).not.toBe(seen[1]);
    } finally {
      server.close();
    }
  });
});
