/**
 * Tool approval end to end, as a user meets it with the headless host: `keybridge serve --ui` with policy
 * `ask`, tools on the broker (the `keybridge/client` module), and the user answering in the web UI's
 * transport (the same JSON-RPC the browser page sends). Then the headless default, policy `allow`.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ToolInfo } from '../../core/api/contract';
import { connectBroker } from '../../core/broker/client';
import { connect, tokenSha256, type CredentialsChange, type KeybridgeClient } from '../../client/index';
import { runCli, startHost } from '../support/host';
import { startOidcServer, type OidcServer } from '../support/oidc-server';
import { openUiSocket } from '../support/ui-socket';
import { sleep, startSignedInHost, until, type SignedInHost } from '../support/signed-in-host';

let oidc: OidcServer;
const cleanups: Array<() => Promise<unknown> | unknown> = [];

beforeAll(async () => {
  oidc = await startOidcServer();
});
afterAll(async () => {
  await oidc?.close();
});
afterEach(async () => {
  while (cleanups.length) await Promise.resolve(cleanups.pop()!()).catch(() => {});
});

/** The UI's transport (test/support/ui-socket.ts), closed after each test. */
const openUi = (output: () => string) => openUiSocket(output, cleanups);

async function askHost(extra: Record<string, string> = {}): Promise<SignedInHost> {
  const s = await startSignedInHost(
    oidc,
    { KEYBRIDGE_TOOL_POLICY: 'ask', KEYBRIDGE_APPROVAL_TIMEOUT: '1.5', ...extra },
    { serveArgs: ['--ui'] },
  );
  cleanups.push(() => s.dispose());
  return s;
}

async function tool(s: SignedInHost, name: string): Promise<KeybridgeClient> {
  const kb = await connect({ name, socketPath: s.h.socket });
  cleanups.push(() => kb.close());
  return kb;
}

function settled<T>(p: Promise<T>) {
  const state: { done: boolean; value?: T; error?: { code?: unknown } } = { done: false };
  p.then(
    (value) => Object.assign(state, { done: true, value }),
    (error) => Object.assign(state, { done: true, error }),
  );
  return state;
}

describe('policy ask (the desktop default; here `serve` with KEYBRIDGE_TOOL_POLICY=ask)', () => {
  it('asks once, says who asks, lets the waiting request through on Allow, and remembers it across a restart', async () => {
    const s = await askHost();
    const ui = await openUi(s.host.output);
    const agent = await tool(s, 'agent-a');
    const changes: CredentialsChange[] = [];
    await agent.subscribe(['credentials'], (e) => e.type === 'credentials' && changes.push(e.change));

    const request = settled(agent.getCredentials());
    const pending = await ui.toolsWhere((t) =>
      t.some((x) => x.name === 'agent-a' && x.pending && x.pid !== undefined),
    );
    const entry = pending.find((x) => x.name === 'agent-a')!;
    // The OS names the caller (socket peer): this test process.
    expect(entry).toMatchObject({
      decision: null,
      pid: process.pid,
      pidVerified: true,
      executable: process.execPath,
    });
    expect(Date.parse(entry.pendingUntil!)).toBeGreaterThan(Date.now());
    await sleep(300);
    expect(request.done).toBe(false);

    await ui.call('tools.decide', { name: 'agent-a', allow: true });
    await until('the request to finish', () => (request.done ? true : undefined));
    expect(request.error).toBeUndefined();
    expect(request.value!.accessToken.split('.')).toHaveLength(3);
    // Approved at once: its subscription hears it with the token.
    const approved = await until('the approved notice', () => changes.find((c) => c.reason === 'approved'));
    expect(approved).toMatchObject({
      access: 'allowed',
      tokenSha256: tokenSha256(request.value!.accessToken),
    });
    expect(approved.accessToken).toBe(request.value!.accessToken);

    // Asked once: later requests do not wait.
    const started = Date.now();
    await agent.getCredentials();
    expect(Date.now() - started).toBeLessThan(500);
    const list = (await ui.call('tools.list')) as ToolInfo[];
    expect(list.find((t) => t.name === 'agent-a')).toMatchObject({
      decision: 'allowed',
      decidedBy: 'user',
      pending: false,
      connections: 1,
    });
    expect(list.find((t) => t.name === 'agent-a')!.lastUsedAt).toBeDefined();

    // Remembered across a restart of the host.
    agent.close();
    await s.host.stop();
    const again = await startHost(s.h, ['--ui']);
    cleanups.push(() => again.stop());
    const back = await tool(s, 'agent-a');
    const t0 = Date.now();
    expect((await back.getCredentials()).accessToken).toBeTruthy();
    expect(Date.now() - t0).toBeLessThan(500);
  });

  it('Deny answers the waiting request with -32003 at once, and every later one too', async () => {
    const s = await askHost();
    const ui = await openUi(s.host.output);
    const nosy = await tool(s, 'nosy');
    const request = settled(nosy.getCredentials());
    await ui.toolsWhere((t) => t.some((x) => x.name === 'nosy' && x.pending));
    await ui.call('tools.decide', { name: 'nosy', allow: false });
    await until('the request to fail', () => (request.done ? true : undefined));
    expect(request.error?.code).toBe(-32003);
    const t0 = Date.now();
    await expect(nosy.getCredentials()).rejects.toMatchObject({ code: -32003 });
    await expect(nosy.invalidate('0'.repeat(64))).rejects.toMatchObject({ code: -32003 });
    expect(Date.now() - t0).toBeLessThan(500);
    expect(((await ui.call('tools.list')) as ToolInfo[]).find((t) => t.name === 'nosy')).toMatchObject({
      decision: 'denied',
      pending: false,
    });
  });

  it('nobody answers: -32004 after the timeout, nothing remembered, and the next request asks again', async () => {
    const s = await askHost();
    const ui = await openUi(s.host.output);
    const slow = await tool(s, 'slow');
    const t0 = Date.now();
    await expect(slow.getCredentials()).rejects.toMatchObject({ code: -32004 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
    const list = (await ui.call('tools.list')) as ToolInfo[];
    expect(list.find((t) => t.name === 'slow')).toBeUndefined();
    const next = settled(slow.getCredentials());
    await ui.toolsWhere((t) => t.some((x) => x.name === 'slow' && x.pending));
    await ui.call('tools.decide', { name: 'slow', allow: true });
    await until('the second request', () => (next.done ? true : undefined));
    expect(next.value?.accessToken).toBeTruthy();
  });

  it('Revoke reaches the tool at once: no token in its notifications, -32003 on its next request', async () => {
    const s = await askHost();
    const ui = await openUi(s.host.output);
    const [kept, revoked, undecided] = await Promise.all([
      tool(s, 'kept'),
      tool(s, 'revoked'),
      tool(s, 'undecided'),
    ]);
    await ui.call('tools.decide', { name: 'kept', allow: true });
    await ui.call('tools.decide', { name: 'revoked', allow: true });
    const heard: Record<string, CredentialsChange[]> = { kept: [], revoked: [], undecided: [] };
    for (const [name, kb] of [
      ['kept', kept],
      ['revoked', revoked],
      ['undecided', undecided],
    ] as const) {
      await kb.subscribe(['credentials'], (e) => e.type === 'credentials' && heard[name]!.push(e.change));
    }
    const first = await revoked.getCredentials();

    const t0 = performance.now();
    await ui.call('tools.revoke', { name: 'revoked' });
    const notice = await until('the revoked notice', () =>
      heard.revoked!.find((c) => c.reason === 'revoked'),
    );
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(notice).toMatchObject({ access: 'denied', tokenSha256: tokenSha256(first.accessToken) });
    expect(notice.accessToken).toBeUndefined();
    // Only that tool was told.
    expect(heard.kept!.some((c) => c.reason === 'revoked')).toBe(false);
    await expect(revoked.getCredentials()).rejects.toMatchObject({ code: -32003 });

    // A refresh now: the allowed tool gets the token, the revoked and the undecided ones only its hash.
    const fresh = await kept.invalidate(first.accessToken);
    for (const name of ['kept', 'revoked', 'undecided']) {
      await until(`${name} heard the refresh`, () => heard[name]!.find((c) => c.reason === 'refreshed'));
    }
    const refreshed = (name: string) => heard[name]!.find((c) => c.reason === 'refreshed')!;
    expect(refreshed('kept')).toMatchObject({ access: 'allowed', accessToken: fresh.accessToken });
    expect(refreshed('revoked')).toMatchObject({
      access: 'denied',
      tokenSha256: tokenSha256(fresh.accessToken),
    });
    expect(refreshed('revoked').accessToken).toBeUndefined();
    expect(refreshed('undecided')).toMatchObject({ access: 'undecided' });
    expect(refreshed('undecided').accessToken).toBeUndefined();
  });

  it('`keybridge token` says it waits for the answer, then prints the token once allowed', async () => {
    const s = await askHost();
    const ui = await openUi(s.host.output);
    const run = runCli(s.h, ['token']);
    let stderr = '';
    run.child.stderr.on('data', (d) => (stderr += d));
    await until('the CLI to say it waits', () =>
      /asking whether keybridge-cli/.test(stderr) ? true : undefined,
    );
    await ui.toolsWhere((t) => t.some((x) => x.name === 'keybridge-cli' && x.pending));
    await ui.call('tools.decide', { name: 'keybridge-cli', allow: true });
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('.')).toHaveLength(3);
  });

  it('a tool cannot approve or revoke anything itself', async () => {
    const s = await askHost();
    const raw = await connectBroker(s.h.socket, { name: 'sneaky' });
    cleanups.push(() => raw.close());
    await expect(raw.call('tools.decide', { name: 'sneaky', allow: true })).rejects.toMatchObject({
      code: -32601,
    });
    await expect(raw.call('tools.revoke', { name: 'kept' })).rejects.toMatchObject({ code: -32601 });
    // Turning on Codex sharing would put the token in a file: it needs the same approval.
    const enabling = settled(raw.call('codex.enable'));
    await sleep(300);
    expect(enabling.done).toBe(false);
  });
});

describe('policy allow (the headless default)', () => {
  it('hands a new tool its token at once, lists it, and Revoke still takes it away', async () => {
    const s = await startSignedInHost(oidc, {}, { serveArgs: ['--ui'] });
    cleanups.push(() => s.dispose());
    const ui = await openUi(s.host.output);
    const script = await tool(s, 'script');
    const t0 = Date.now();
    const creds = await script.getCredentials();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(creds.tokenType).toBe('Bearer');
    const listed = await ui.toolsWhere((t) =>
      t.some((x) => x.name === 'script' && x.lastUsedAt !== undefined),
    );
    expect(listed.find((x) => x.name === 'script')).toMatchObject({
      decision: 'allowed',
      decidedBy: 'policy',
      pending: false,
    });
    await ui.call('tools.revoke', { name: 'script' });
    await expect(script.getCredentials()).rejects.toMatchObject({ code: -32003 });
  });
});
