/**
 * Tool approval against a real registry file: both policies, allow / deny / timeout, revocation, and what
 * is remembered across a restart (a new registry reading the same tools.json).
 */
import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RpcErrorCode } from '../api/contract';
import { ApprovalGate, type ApprovalChange } from './approvals';
import { toRpcError } from '../broker/jsonrpc';
import { tempDir } from '../../test/support/broker-harness';
import { ToolRegistry } from './registry';

let tmp: { dir: string; cleanup(): Promise<void> };
const gates: ApprovalGate[] = [];

beforeEach(async () => {
  tmp = await tempDir('kb-approvals-');
});
afterEach(async () => {
  for (const g of gates.splice(0)) g.close();
  await tmp.cleanup();
});

async function gate(policy: 'ask' | 'allow', timeoutMs = 2000) {
  const registry = new ToolRegistry(tmp.dir);
  await registry.load();
  const g = new ApprovalGate({ registry, policy, timeoutMs });
  gates.push(g);
  const changes: ApprovalChange[] = [];
  g.onChange((c) => changes.push(c));
  return { g, registry, changes };
}

/** The JSON-RPC code a broker client would get for this rejection. */
async function rpcCodeOf(p: Promise<unknown>): Promise<number | 'resolved'> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return toRpcError(e).code;
  }
}

const settle = () => new Promise((r) => setTimeout(r, 20));

describe('policy ask', () => {
  it('waits for the user, lets every request of that name join, and remembers Allow', async () => {
    const { g, registry, changes } = await gate('ask');
    let resolved = 0;
    const first = g.authorize('my-agent').then(() => resolved++);
    const second = g.authorize('my-agent').then(() => resolved++);
    await settle();
    expect(resolved).toBe(0);
    expect(g.list()).toMatchObject([{ name: 'my-agent', pending: true, decision: null }]);
    expect(changes.filter((c) => c.kind === 'pending')).toHaveLength(1);

    await g.decide('my-agent', true);
    await Promise.all([first, second]);
    expect(resolved).toBe(2);
    expect(g.list()).toMatchObject([
      { name: 'my-agent', pending: false, decision: 'allowed', decidedBy: 'user' },
    ]);
    // Approved once: the next request does not ask.
    await g.authorize('my-agent');

    // Remembered on disk, 0600, across a restart.
    const file = join(tmp.dir, 'tools.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const again = new ToolRegistry(tmp.dir);
    await again.load();
    expect(again.get('my-agent')).toMatchObject({ decision: 'allowed', decidedBy: 'user' });
    expect(registry.get('my-agent')?.decision).toBe('allowed');
  });

  it('Deny fails the waiting request with -32003, and later ones at once', async () => {
    const { g } = await gate('ask');
    const waiting = rpcCodeOf(g.authorize('nosy'));
    await settle();
    await g.decide('nosy', false);
    expect(await waiting).toBe(RpcErrorCode.AccessDenied);
    const started = Date.now();
    expect(await rpcCodeOf(g.authorize('nosy'))).toBe(RpcErrorCode.AccessDenied);
    expect(Date.now() - started).toBeLessThan(50);
  });

  it('times out with -32004 when nobody answers, remembers nothing, and asks again next time', async () => {
    const { g, changes } = await gate('ask', 150);
    const started = Date.now();
    expect(await rpcCodeOf(g.authorize('slow'))).toBe(RpcErrorCode.ApprovalTimeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(g.list()).toEqual([]);
    expect(changes.map((c) => c.kind)).toEqual(['pending', 'timedOut']);
    // A new request is a new question.
    const again = g.authorize('slow');
    await settle();
    expect(g.pendingRequest('slow')).toBeDefined();
    await g.decide('slow', true);
    await again;
  });

  it('Revoke answers a pending request with -32003 and keeps the tool out', async () => {
    const { g } = await gate('ask');
    await g.decide('agent', true);
    expect(g.access('agent')).toBe('allowed');
    await g.revoke('agent');
    expect(g.access('agent')).toBe('denied');
    expect(await rpcCodeOf(g.authorize('agent'))).toBe(RpcErrorCode.AccessDenied);
    // And back again when the user allows it.
    await g.decide('agent', true);
    await g.authorize('agent');
  });

  it('shows the caller the OS names while the request waits', async () => {
    const { g } = await gate('ask');
    const waiting = g.authorize('who', async () => ({
      pid: 4242,
      verified: true,
      executable: '/usr/bin/python3',
    }));
    for (let i = 0; i < 50 && g.list()[0]?.pid === undefined; i++) await settle();
    expect(g.list()[0]).toMatchObject({
      name: 'who',
      pending: true,
      pid: 4242,
      pidVerified: true,
      executable: '/usr/bin/python3',
    });
    await g.decide('who', true);
    await waiting;
    expect(g.list()[0]).toMatchObject({ pid: 4242, pidVerified: true });
  });
});

describe('policy allow', () => {
  it('allows a new tool at once, lists it as allowed by the policy, and can still revoke it', async () => {
    const { g, registry } = await gate('allow');
    expect(g.recordedAccess('script')).toBe('undecided');
    await g.authorize('script');
    expect(g.recordedAccess('script')).toBe('allowed');
    g.touch('script', { pid: 99, verified: false });
    expect(g.list()).toMatchObject([
      { name: 'script', decision: 'allowed', decidedBy: 'policy', pid: 99, pidVerified: false },
    ]);
    expect(g.list()[0]?.lastUsedAt).toBeDefined();
    await g.revoke('script');
    expect(await rpcCodeOf(g.authorize('script'))).toBe(RpcErrorCode.AccessDenied);
    await registry.flush();
    const saved = JSON.parse(await readFile(join(tmp.dir, 'tools.json'), 'utf8'));
    expect(saved.tools.script).toMatchObject({ decision: 'denied', decidedBy: 'user', lastPid: 99 });
  });
});

describe('the registry file', () => {
  it('moves a broken tools.json aside instead of failing', async () => {
    await writeFile(join(tmp.dir, 'tools.json'), '{not json');
    const lines: string[] = [];
    const registry = new ToolRegistry(tmp.dir, (l) => lines.push(l));
    await registry.load();
    expect(registry.names()).toEqual([]);
    expect(lines.join('\n')).toMatch(/not valid; moved to/);
  });
});
