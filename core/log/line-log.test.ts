/**
 * The shared log on real files: capped by size at run time with a bounded number of generations, repeated
 * lines summed up once, and every line one escaped, redacted line.
 */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLineLog } from './line-log';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-log-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function folderBytes(): Promise<{ files: string[]; bytes: number }> {
  const files = (await readdir(join(dir, 'logs'))).sort();
  let bytes = 0;
  for (const f of files) bytes += (await stat(join(dir, 'logs', f))).size;
  return { files, bytes };
}

describe('createLineLog', () => {
  it('rotates at run time and keeps a bounded number of files however much is logged', async () => {
    let stderrBytes = 0;
    let clock = 0;
    const log = createLineLog({
      file: join(dir, 'logs', 'host.log'),
      maxBytes: 10_000,
      keep: 2,
      stderr: (t) => (stderrBytes += t.length),
      // A clock that moves a window per line: this is about the size cap alone, not the rate limit.
      rateLimit: { windowMs: 1, now: () => (clock += 1) },
    });
    for (let i = 0; i < 5000; i += 1) log.log(`event number ${i} ${'x'.repeat(40)}`);
    log.close();
    const { files, bytes } = await folderBytes();
    expect(files).toEqual(['host.log', 'host.log.1', 'host.log.2']);
    expect(bytes).toBeLessThanOrEqual(3 * 10_000);
    for (const f of files) expect((await stat(join(dir, 'logs', f))).mode & 0o777).toBe(0o600);
    // The newest lines are in the live file.
    expect(await readFile(join(dir, 'logs', 'host.log'), 'utf8')).toContain('event number 4999 ');
    expect(stderrBytes).toBeGreaterThan(5000 * 40);
  });

  it('starts a new generation when an older version left a file over the cap', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(dir, 'logs'));
    await writeFile(join(dir, 'logs', 'host.log'), 'y'.repeat(20_000));
    const log = createLineLog({ file: join(dir, 'logs', 'host.log'), maxBytes: 10_000, stderr: null });
    log.log('fresh');
    log.close();
    expect(await readFile(join(dir, 'logs', 'host.log'), 'utf8')).toMatch(/^\S+ fresh\n$/);
  });

  it('writes a repeated line a few times, then one summary with the count', async () => {
    const err: string[] = [];
    const log = createLineLog({
      file: join(dir, 'logs', 'host.log'),
      stderr: (t) => err.push(t),
      rateLimit: { perLine: 3, windowMs: 60_000 },
    });
    for (let i = 0; i < 1000; i += 1) log.log('web ui: WebSocket refused (403): Origin is not this server');
    log.log('something else');
    log.close();
    const text = await readFile(join(dir, 'logs', 'host.log'), 'utf8');
    expect(text.match(/Origin is not this server\n/g)).toHaveLength(3);
    expect(text).toContain('Origin is not this server (997 more like this in 60 s, not logged)');
    expect(text).toContain('something else');
    expect(err.join('')).toBe(text);
  });

  it('holds lines that all differ to the per-window budget', () => {
    const err: string[] = [];
    const log = createLineLog({ stderr: (t) => err.push(t), rateLimit: { perWindow: 50 } });
    for (let i = 0; i < 10_000; i += 1) log.log(`line ${i}`);
    log.close();
    expect(err).toHaveLength(51);
    expect(err[50]).toContain('9950 more log lines in 60 s were not logged');
  });

  it('writes each event as one escaped, redacted line', async () => {
    const err: string[] = [];
    const log = createLineLog({ file: join(dir, 'logs', 'host.log'), stderr: (t) => err.push(t) });
    log.log(
      'tools: "x\n2026-12-01T00:00:00.000Z tools: allowed \u001b[2J\u202e" with eyJhbGciOi.eyJzdWIiOi.c2ln',
    );
    log.close();
    const text = await readFile(join(dir, 'logs', 'host.log'), 'utf8');
    expect(text.split('\n')).toHaveLength(2);
    // eslint-disable-next-line no-control-regex
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(text).toContain('x\\x0a2026-12-01T00:00:00.000Z tools: allowed \\x1b[2J\\u{202e}');
    expect(text).toContain('[redacted-jwt]');
  });
});
