/**
 * A tool name in tools.json that no tool could register (hand-edited, or written before names were checked)
 * is neither loaded, shown nor logged raw; and the gate refuses such a name from any caller (-32602).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HOSTILE_NAME, RAW_CONTROL } from '../../test/support/hostile-input';
import { ApprovalGate } from './approvals';
import { TOOLS_FILE, ToolRegistry } from './registry';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-tools-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const record = { decision: 'allowed', decidedAt: '2026-12-01T00:00:00.000Z', decidedBy: 'user' };

describe('stored tool names', () => {
  it('drops a hostile stored name, says so escaped, keeps the valid ones and rewrites the file without it', async () => {
    await writeFile(
      join(dir, TOOLS_FILE),
      JSON.stringify({ version: 1, tools: { [HOSTILE_NAME]: record, 'good-tool': record } }),
    );
    const logged: string[] = [];
    const registry = new ToolRegistry(dir, (l) => logged.push(l));
    await registry.load();
    expect(registry.names()).toEqual(['good-tool']);
    expect(logged.join('\n')).toContain('not valid');
    expect(logged.join('\n')).not.toMatch(RAW_CONTROL);

    const gate = new ApprovalGate({ registry, policy: 'ask' });
    expect(gate.list().map((t) => t.name)).toEqual(['good-tool']);
    await gate.decide('good-tool', false);
    await registry.flush();
    expect(Object.keys(JSON.parse(await readFile(join(dir, TOOLS_FILE), 'utf8')).tools)).toEqual([
      'good-tool',
    ]);
  });

  it('the gate refuses an invalid name to authorize, decide and revoke with invalid_params', async () => {
    const registry = new ToolRegistry(dir);
    const gate = new ApprovalGate({ registry, policy: 'allow' });
    for (const attempt of [
      gate.authorize(HOSTILE_NAME),
      gate.decide(HOSTILE_NAME, true),
      gate.revoke('bidi\u202e'),
    ])
      await expect(attempt).rejects.toMatchObject({ code: 'invalid_params' });
    expect(gate.list()).toEqual([]);
  });
});
