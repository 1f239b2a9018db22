/**
 * What a tool sees from the command line and the broker: `keybridge exec` (the variables, the exit code,
 * signals), `keybridge watch` (NDJSON, never a token) and `credentials.invalidate` with the current and a
 * stale token — against a real `keybridge serve` signed in at a real oidc-provider.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBroker } from '../../core/broker/client';
import { connect, tokenSha256 } from '../../client/index';
import { cli, makeHostEnv, removeHome, runCli, startHost } from '../support/host';
import { startOidcServer, type OidcServer } from '../support/oidc-server';
import { startSignedInHost, type SignedInHost } from '../support/signed-in-host';

let oidc: OidcServer;
let s: SignedInHost;

beforeAll(async () => {
  oidc = await startOidcServer({ accounts: { 'ada@example.com': { plan: 'plus', accountId: 'acc-ada' } } });
  s = await startSignedInHost(oidc);
});
afterAll(async () => {
  await s?.dispose();
  await oidc?.close();
});

const sha = (text: string) => createHash('sha256').update(text).digest('hex');

/** A node one-liner for `exec`: prints what it sees (the token only as its hash) and exits with `code`. */
function reporter(code: number): string[] {
  return [
    process.execPath,
    '-e',
    `const h = (v) => v === undefined ? null : require('crypto').createHash('sha256').update(v).digest('hex');
     console.log(JSON.stringify({ openai: h(process.env.OPENAI_ACCESS_TOKEN), mine: h(process.env.MY_TOKEN), account: process.env.CHATGPT_ACCOUNT_ID ?? null }));
     process.exit(${code});`,
  ];
}

describe('keybridge exec', () => {
  it('runs the command with OPENAI_ACCESS_TOKEN and CHATGPT_ACCOUNT_ID and passes its exit code back', async () => {
    const r = await cli(s.h, 'exec', '--', ...reporter(7));
    expect(r.code).toBe(7);
    const seen = JSON.parse(r.stdout.trim());
    const current = (await cli(s.h, 'token')).stdout.trim();
    expect(seen).toEqual({ openai: sha(current), mine: null, account: 'acc-ada' });
    // keybridge itself says nothing about the token.
    expect(r.stderr).not.toContain(current);
  });

  it('--env NAME puts the token in NAME instead', async () => {
    const r = await cli(s.h, 'exec', '--env', 'MY_TOKEN', '--', ...reporter(0));
    expect(r.code).toBe(0);
    const seen = JSON.parse(r.stdout.trim());
    expect(seen.openai).toBeNull();
    expect(seen.mine).toBe(sha((await cli(s.h, 'token')).stdout.trim()));
    expect(seen.account).toBe('acc-ada');
  });

  it('forwards SIGTERM to the command and answers with the exit code it chose', async () => {
    const run = runCli(s.h, [
      'exec',
      '--',
      process.execPath,
      '-e',
      `process.on('SIGTERM', () => { console.log('child got SIGTERM'); process.exit(42); });
       console.log('ready'); setInterval(() => {}, 1000);`,
    ]);
    await run.waitForStdout(/^ready$/);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.stdout).toMatch(/child got SIGTERM/);
    expect(r.code).toBe(42);
  });

  it('reports a command killed by a signal as 128 + its number, and a missing one as 127', async () => {
    const killed = await cli(
      s.h,
      'exec',
      '--',
      process.execPath,
      '-e',
      `process.kill(process.pid, 'SIGKILL')`,
    );
    expect(killed.code).toBe(137);
    const missing = await cli(s.h, 'exec', '--', 'keybridge-no-such-command');
    expect(missing.code).toBe(127);
    expect(missing.stderr).toMatch(/command not found/);
  });

  it('does not run the command when there is no session (exit 4)', async () => {
    const h = await makeHostEnv(oidc.issuer, oidc.clientId);
    const host = await startHost(h);
    try {
      const r = await cli(h, 'exec', '--', ...reporter(0));
      expect(r.code).toBe(4);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/Not signed in/);
    } finally {
      await host.stop();
      await removeHome(h);
    }
  });
});

describe('credentials.invalidate', () => {
  it('refreshes only when the reported token is the current one, once however many tools report it', async () => {
    const kb = await connect({ name: 'invalidator', socketPath: s.h.socket });
    try {
      const first = await kb.getCredentials();
      const grants = oidc.stats.refreshGrants;

      // A stale token (one that is no longer current): no refresh, the current credentials come back.
      const stale = sha('a token from long ago');
      const unchanged = await kb.invalidate(stale);
      expect(unchanged.accessToken).toBe(first.accessToken);
      expect(oidc.stats.refreshGrants).toBe(grants);

      // The current token: one refresh, a new token.
      const fresh = await kb.invalidate(first.accessToken);
      expect(oidc.stats.refreshGrants).toBe(grants + 1);
      expect(fresh.accessToken).not.toBe(first.accessToken);
      expect(fresh).toMatchObject({ tokenType: 'Bearer', accountId: 'acc-ada', planType: 'plus' });

      // The old one again (another tool that saw the same 401 late): no second refresh.
      expect((await kb.invalidate(tokenSha256(first.accessToken))).accessToken).toBe(fresh.accessToken);
      expect(oidc.stats.refreshGrants).toBe(grants + 1);

      // Twenty tools report the current token at once: exactly one refresh, all get the same new token.
      const tools = await Promise.all(
        Array.from({ length: 20 }, (_, i) => connect({ name: `t${i}`, socketPath: s.h.socket })),
      );
      try {
        const answers = await Promise.all(tools.map((t) => t.invalidate(fresh.accessToken)));
        expect(oidc.stats.refreshGrants).toBe(grants + 2);
        expect(new Set(answers.map((a) => a.accessToken)).size).toBe(1);
        expect(answers[0]!.accessToken).not.toBe(fresh.accessToken);
      } finally {
        for (const t of tools) t.close();
      }
    } finally {
      kb.close();
    }
  });

  it('rejects what is not a SHA-256 with -32602', async () => {
    const raw = await connectBroker(s.h.socket, { name: 'bad' });
    try {
      await expect(raw.call('credentials.invalidate', { tokenSha256: 'abc' })).rejects.toMatchObject({
        code: -32602,
      });
    } finally {
      raw.close();
    }
  });
});

describe('keybridge watch', () => {
  it('prints status and credential changes as NDJSON, with the token hash and never the token', async () => {
    const watch = runCli(s.h, ['watch']);
    try {
      await watch.waitForStdout(/"event":"status"/);
      const kb = await connect({ name: 'refresher', socketPath: s.h.socket });
      const before = await kb.getCredentials();
      const after = await kb.invalidate(before.accessToken);
      kb.close();
      const line = await watch.waitForStdout(/"event":"credentials"/);
      const event = JSON.parse(line);
      expect(event).toMatchObject({
        event: 'credentials',
        reason: 'refreshed',
        tokenSha256: tokenSha256(after.accessToken),
      });
      expect(event.accessToken).toBeUndefined();
      watch.child.kill('SIGINT');
      const r = await watch.done;
      expect(r.code).toBe(0);
      for (const l of r.stdout.trim().split('\n')) expect(() => JSON.parse(l)).not.toThrow();
      expect(r.stdout).not.toContain(after.accessToken);
      expect(r.stdout).not.toContain(before.accessToken);
    } finally {
      watch.child.kill('SIGKILL');
    }
  });
});
