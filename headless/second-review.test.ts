/**
 * The second security review's reproductions, against the built `keybridge serve --ui` and CLI as a user
 * (or another local user) meets them:
 * - thousands of refused WebSocket upgrades (foreign Origin) leave host.log and stderr small;
 * - a hostile tool name is refused (-32602), and neither host.log nor stderr ever holds a raw control,
 *   bidi or invisible character from it — not even one stored in tools.json;
 * - `keybridge open-url` with a 100 KB URL exits non-zero within seconds, saying why.
 */
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawConnect } from '../test/support/broker-harness';
import {
  makeHostEnv,
  removeHome,
  runCli,
  startHost,
  type HostEnv,
  type RunningHost,
} from '../test/support/host';
import { HOSTILE_NAME, RAW_CONTROL } from '../test/support/hostile-input';

let h: HostEnv;
let host: RunningHost;
let uiPort: number;
const hostLog = () => join(h.home, 'logs', 'host.log');

beforeAll(async () => {
  // Nothing here signs in: the issuer is never asked.
  h = await makeHostEnv('http://127.0.0.1:9', 'test-client');
  // A name stored by an older version (or planted in the file): it must not come back out raw.
  await mkdir(h.home, { recursive: true });
  const record = { decision: 'allowed', decidedAt: '2026-12-01T00:00:00.000Z', decidedBy: 'user' };
  await writeFile(
    join(h.home, 'tools.json'),
    JSON.stringify({ version: 1, tools: { [HOSTILE_NAME]: record, 'stored-tool': record } }),
    { mode: 0o600 },
  );
  host = await startHost(h, ['--ui']);
  const deadline = Date.now() + 15_000;
  let m: RegExpExecArray | null;
  while (!(m = /Open the Keybridge UI: http:\/\/127\.0\.0\.1:(\d+)\//.exec(host.output()))) {
    if (Date.now() > deadline) throw new Error(`no UI link:\n${host.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  uiPort = Number(m[1]);
}, 30_000);

afterAll(async () => {
  await host?.stop();
  if (h) await removeHome(h);
});

/** One upgrade request as a page on evil.example would send it; resolves with the status line. */
function foreignUpgrade(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => (answer += d));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.write(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nOrigin: http://evil.example\r\n` +
        'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n' +
        'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
  });
}

describe('a flood of refused WebSocket upgrades', () => {
  it('leaves host.log and stderr bounded', async () => {
    const logBefore = (await stat(hostLog())).size;
    const outBefore = host.output().length;
    const total = 3000;
    let sent = 0;
    const statuses = new Map<string, number>();
    // 16 at a time, like a loop in a shell: bounded in count, done when the last one is answered.
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (sent < total) {
          sent += 1;
          const status = await foreignUpgrade(uiPort);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
      }),
    );
    expect(statuses.get('HTTP/1.1 403 Forbidden')).toBe(total);
    const logGrowth = (await stat(hostLog())).size - logBefore;
    const outGrowth = host.output().length - outBefore;
    // Unlimited, each refusal wrote ~90 bytes to each: ~270 KB. Now a handful of lines.
    expect(logGrowth).toBeLessThan(4096);
    expect(outGrowth).toBeLessThan(4096);
    expect(host.output()).toContain('WebSocket refused (403): Origin is not this server');
  });
});

describe('a hostile tool name', () => {
  it('is refused at hello with -32602; nothing raw reaches host.log or stderr, stored names included', async () => {
    const conn = await rawConnect(h.socket);
    conn.send({
      jsonrpc: '2.0',
      id: 1,
      method: 'hello',
      params: { protocol: 1, client: { name: HOSTILE_NAME } },
    });
    expect(await conn.response(1)).toMatchObject({ error: { code: -32602 } });
    // A name that passes: it is logged, shown and stored as is.
    conn.send({
      jsonrpc: '2.0',
      id: 2,
      method: 'hello',
      params: { protocol: 1, client: { name: 'Agent «quoted» 日本' } },
    });
    expect(await conn.response(2)).toHaveProperty('result');
    conn.send({ jsonrpc: '2.0', id: 3, method: 'tools.list' });
    conn.close();

    const log = await readFile(hostLog(), 'utf8');
    for (const text of [log, host.output()]) {
      expect(text).not.toMatch(RAW_CONTROL);
      // No line was forged: every line starts with the host's own timestamp, none with the planted one.
      expect(text).not.toMatch(/^2026-12-01T00:00:00\.000Z/m);
    }
    expect(log).toContain('tools.json holds a tool name that is not valid');
  });
});

describe('keybridge open-url with a 100 KB URL', () => {
  it('exits non-zero within 10 s and says the request is too large', async () => {
    const url = `http://localhost:1455/auth/callback?code=${'a'.repeat(100 * 1024)}&state=x`;
    const started = Date.now();
    const r = await runCli(h, ['open-url', url], { timeoutMs: 20_000 }).done;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.code).not.toBe(0);
    expect(r.code).not.toBeNull();
    expect(r.stderr).toMatch(/too large.*64 KiB/);
  });
});

describe('when the host stops', () => {
  it('host.log sums the refused upgrades up in one line: "N more like this"', async () => {
    expect(await host.stop()).toBe(0);
    const log = await readFile(hostLog(), 'utf8');
    const summary = /Origin is not this server \((\d+) more like this in 60 s, not logged\)/.exec(log);
    expect(summary, log.slice(-2000)).not.toBeNull();
    expect(Number(summary![1])).toBeGreaterThan(2900);
    expect(log.match(/Origin is not this server$/gm)!.length).toBeLessThanOrEqual(5);
  });
});
