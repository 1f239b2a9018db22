/**
 * Fuzzing the broker of a real, signed-in `keybridge serve` with fast-check (docs/design.md "Quality bars":
 * "malformed broker input gets an error and never crashes the host"): random bytes, invalid JSON, wrong types
 * in the params of every method, huge lines, floods, many half-open connections and slow writers. After each
 * kind of abuse: every complete line got exactly one error reply (notifications excepted, as JSON-RPC wants),
 * the connection still answers, the host is alive and answers `status.get` on a fresh connection, and its
 * memory stays bounded.
 */
import { readFileSync } from 'node:fs';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methods } from '../../core/api/contract';
import { connectBroker } from '../../core/broker/client';
import { makeHostEnv, removeHome, startHost, type HostEnv, type RunningHost } from '../support/host';
import { signInOverHttp } from '../support/http-sign-in';
import { startOidcServer, type OidcServer } from '../support/oidc-server';

const MAX_LINE = 64 * 1024;
const HELLO = {
  jsonrpc: '2.0',
  id: 'hello',
  method: 'hello',
  params: { protocol: 1, client: { name: 'fuzz' } },
};
/** Methods whose handler only reads (or fails harmlessly): fuzzed with any params at all. */
const READ_ONLY = new Set([
  'hello',
  'status.get',
  'credentials.get',
  'subscribe',
  'auth.wait',
  'auth.cancel',
  'auth.openUrl',
]);
const KNOWN_CODES = new Set([
  -32700, -32600, -32601, -32602, -32603, -32001, -32002, -32003, -32004, -32005, -32006,
]);

let oidc: OidcServer;
let h: HostEnv;
let host: RunningHost;
let rssAtStart = 0;

function rss(): number {
  const status = readFileSync(`/proc/${host.child.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

beforeAll(async () => {
  oidc = await startOidcServer();
  h = await makeHostEnv(oidc.issuer, oidc.clientId);
  host = await startHost(h);
  const client = await connectBroker(h.socket, { name: 'fuzz-setup' });
  const { url } = (await client.call('auth.login', { noBrowser: true })) as { url: string };
  await signInOverHttp(url, 'ada@example.com');
  await client.call('auth.wait');
  client.close();
  rssAtStart = rss();
});

afterAll(async () => {
  await host?.stop();
  if (h) await removeHome(h);
  await oidc?.close();
});

interface Reply {
  jsonrpc?: unknown;
  id?: unknown;
  method?: unknown;
  result?: unknown;
  error?: { code: unknown; message: unknown };
}

/** A raw connection: write bytes, read reply lines (notifications are set aside). */
class Raw {
  readonly socket: net.Socket;
  private buf = '';
  private readonly replies: Reply[] = [];
  private waiters: Array<() => void> = [];
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.buf += chunk;
      let nl;
      while ((nl = this.buf.indexOf('\n')) !== -1) {
        const msg = JSON.parse(this.buf.slice(0, nl)) as Reply; // the host only ever writes valid JSON lines
        this.buf = this.buf.slice(nl + 1);
        if (typeof msg.method === 'string' && msg.id === undefined) continue;
        this.replies.push(msg);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static open(path: string): Promise<Raw> {
    return new Promise((resolve, reject) => {
      const s = net.connect(path, () => resolve(new Raw(s)));
      s.once('error', reject);
    });
  }

  static async greeted(path: string): Promise<Raw> {
    const raw = await Raw.open(path);
    raw.write(JSON.stringify(HELLO) + '\n');
    const [r] = await raw.untilReply('hello');
    expect(r).toMatchObject({ id: 'hello', result: { protocol: 1 } });
    return raw;
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** Waits for the reply with `id` and at least `count` replies in all; returns (and takes) all of them. */
  async untilReply(id: string, timeoutMs = 5_000, count = 1): Promise<Reply[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.replies.some((r) => r.id === id) && this.replies.length >= count)
        return this.replies.splice(0);
      if (this.closed) throw new Error(`connection closed before the reply to ${id}`);
      if (Date.now() > deadline) throw new Error(`no reply to ${id} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}

/** How many replies the broker owes for these bytes: one per non-blank line, except well-formed notifications. */
function expectedReplies(bytes: Uint8Array): number {
  let n = 0;
  let start = 0;
  for (let i = 0; i <= bytes.length; i += 1) {
    if (i < bytes.length && bytes[i] !== 0x0a) continue;
    if (i === bytes.length) break; // an unterminated tail is not a line (the sentinel's newline ends it)
    let line = Buffer.from(bytes.subarray(start, i));
    start = i + 1;
    if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, -1);
    if (line.length > MAX_LINE) {
      n += 1;
      continue;
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(line);
    } catch {
      n += 1;
      continue;
    }
    if (text.trim() === '') continue;
    if (isNotification(text)) continue;
    n += 1;
  }
  return n;
}

function isNotification(text: string): boolean {
  try {
    const j = JSON.parse(text) as Record<string, unknown>;
    return (
      j !== null &&
      typeof j === 'object' &&
      !Array.isArray(j) &&
      j.jsonrpc === '2.0' &&
      typeof j.method === 'string' &&
      j.method !== '' &&
      !Object.hasOwn(j, 'id') &&
      (j.params === undefined || (typeof j.params === 'object' && j.params !== null))
    );
  } catch {
    return false;
  }
}

/** The id the broker can read from a line (JSON-RPC §5: null when it cannot). */
function readableId(line: string): unknown {
  try {
    const j = JSON.parse(line) as { id?: unknown };
    if (j === null || typeof j !== 'object' || Array.isArray(j)) return null;
    if (typeof j.id === 'string' || (typeof j.id === 'number' && Number.isFinite(j.id))) return j.id;
    return null;
  } catch {
    return null;
  }
}

function expectErrorReply(r: Reply): void {
  expect(r.jsonrpc).toBe('2.0');
  expect(r.result).toBeUndefined();
  expect(KNOWN_CODES.has(r.error?.code as number)).toBe(true);
  expect(typeof r.error?.message).toBe('string');
}

async function expectHostAlive(): Promise<void> {
  expect(host.child.exitCode).toBeNull();
  const client = await connectBroker(h.socket, { name: 'fuzz-check' }, { timeoutMs: 3_000 });
  try {
    const started = Date.now();
    expect(await client.call('status.get', undefined, { timeoutMs: 3_000 })).toMatchObject({
      state: 'signedIn',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
  } finally {
    client.close();
  }
}

let sentinel = 0;
/**
 * Writes `payload`, then a newline and a sentinel request; waits for the sentinel's reply and `owed` more
 * (requests run concurrently: a slow one, like a credentials.get that refreshes, may answer after the
 * sentinel), and returns the payload's replies. A missing reply times out; a surplus one shows up in the
 * next run's count.
 */
async function send(raw: Raw, payload: string | Uint8Array, owed: number): Promise<Reply[]> {
  const id = `sentinel-${++sentinel}`;
  raw.write(payload);
  raw.write(`\n${JSON.stringify({ jsonrpc: '2.0', id, method: 'status.get' })}\n`);
  const replies = await raw.untilReply(id, 5_000, owed + 1);
  const at = replies.findIndex((r) => r.id === id);
  // The connection still works: status, or (before hello) the error that asks for hello.
  const answer = replies[at]!;
  if (answer.error) expect(answer.error.code).toBe(-32002);
  else expect(answer.result).toMatchObject({ state: 'signedIn' });
  replies.splice(at, 1);
  return replies;
}

describe('broker fuzzing against a real host', () => {
  it('random bytes, before and after hello: one error per line, the connection keeps working', async () => {
    for (const greet of [false, true]) {
      const raw = greet ? await Raw.greeted(h.socket) : await Raw.open(h.socket);
      await fc.assert(
        fc.asyncProperty(fc.uint8Array({ maxLength: 2048 }), async (bytes) => {
          // A trailing unterminated piece is ended by the sentinel's leading newline: count it as a line.
          const owed = expectedReplies(Uint8Array.from([...bytes, 0x0a]));
          const replies = await send(raw, bytes, owed);
          expect(replies).toHaveLength(owed);
          for (const r of replies) expectErrorReply(r);
        }),
        { numRuns: 1_000 },
      );
      raw.close();
    }
    await expectHostAlive();
  });

  it('invalid JSON and JSON that is not a request: an error each, with the id when one can be read', async () => {
    const raw = await Raw.greeted(h.socket);
    const line = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.json({ maxDepth: 3 }),
      fc.json({ maxDepth: 2 }).map((j) => j.slice(0, Math.max(1, j.length - 1))), // cut short
      fc
        .record(
          {
            jsonrpc: fc.oneof(fc.constant('2.0'), fc.constant('1.0'), fc.integer(), fc.constant(null)),
            id: fc.oneof(
              fc.integer(),
              fc.string({ maxLength: 10 }),
              fc.constant(null),
              fc.object({ maxDepth: 1 }),
            ),
            method: fc.oneof(
              fc.string({ maxLength: 20 }),
              fc.integer(),
              fc.constant(''),
              fc.constantFrom(...READ_ONLY),
            ),
            params: fc.jsonValue({ maxDepth: 2 }),
          },
          { requiredKeys: ['id'] },
        )
        .map((o) => JSON.stringify(o)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          line.filter((l) => !l.includes('\n')),
          { minLength: 1, maxLength: 5 },
        ),
        async (lines) => {
          const owed = lines.filter((l) => l.trim() !== '' && !isNotification(l));
          const replies = await send(raw, lines.join('\n'), owed.length);
          // Requests run concurrently, so replies may come in any order: compare the ids as multisets.
          const key = (id: unknown) => JSON.stringify(id ?? null);
          expect(replies.map((r) => key(r.id)).sort()).toEqual(owed.map((l) => key(readableId(l))).sort());
          for (const r of replies) {
            // Valid JSON may even be a valid request (e.g. status.get): then a result; anything else an error.
            if (r.error !== undefined || r.result === undefined) expectErrorReply(r);
          }
        },
      ),
      { numRuns: 1_000 },
    );
    raw.close();
    await expectHostAlive();
  });

  it('wrong types in the params of every method: an error (or a result) for each, nothing else', async () => {
    const raw = await Raw.greeted(h.socket);
    const anyParams = fc.oneof(
      fc.object({ maxDepth: 2 }),
      fc.dictionary(
        fc.constantFrom(
          'minTtlSeconds',
          'topics',
          'url',
          'slug',
          'noBrowser',
          'protocol',
          'client',
          'tool',
          'decision',
          'force',
        ),
        fc.oneof(
          fc.integer(),
          fc.double(),
          fc.string({ maxLength: 50 }),
          fc.boolean(),
          fc.constant(null),
          fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
        ),
      ),
      fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
      fc.constant(null),
      fc.integer(),
      fc.string({ maxLength: 20 }),
    );
    // Methods that change state get only params that can never be valid, so the fuzzing cannot sign the
    // host out or start sign-ins; they still must answer each with an error.
    const neverValid = fc.oneof(
      fc.integer(),
      fc.string({ maxLength: 20 }),
      fc.boolean(),
      fc.array(fc.jsonValue({ maxDepth: 1 }), { minLength: 1, maxLength: 3 }),
    );
    const call = fc
      .constantFrom(...Object.keys(methods))
      .chain((method) =>
        fc.record({ method: fc.constant(method), params: READ_ONLY.has(method) ? anyParams : neverValid }),
      );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 8 }), async (calls) => {
        const ids = calls.map(() => `c${++n}`);
        const lines = calls.map((c, i) =>
          JSON.stringify({ jsonrpc: '2.0', id: ids[i], method: c.method, params: c.params }),
        );
        const replies = await send(raw, lines.join('\n'), ids.length);
        expect(replies.map((r) => r.id).sort()).toEqual([...ids].sort());
        for (const [i, id] of ids.entries()) {
          const r = replies.find((x) => x.id === id)!;
          if (r.error !== undefined || !READ_ONLY.has(calls[i]!.method)) expectErrorReply(r);
        }
      }),
      { numRuns: 1_500 },
    );
    raw.close();
    await expectHostAlive();
  });

  it('huge lines: over 64 KiB is refused with an error and the rest of the line skipped; a flood closes only that connection', async () => {
    const raw = await Raw.greeted(h.socket);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: MAX_LINE + 1, max: 900 * 1024 }),
        fc.boolean(),
        async (size, json) => {
          const line = json
            ? JSON.stringify({
                jsonrpc: '2.0',
                id: 'big',
                method: 'credentials.get',
                params: { pad: 'x'.repeat(size) },
              })
            : 'y'.repeat(size);
          const replies = await send(raw, line, 1);
          expect(replies).toHaveLength(1);
          expectErrorReply(replies[0]!);
          expect(replies[0]!.error!.code).toBe(-32600);
          expect(replies[0]!.id).toBeNull();
        },
      ),
      { numRuns: 60 },
    );
    raw.close();

    // More than 1 MiB with no newline at all: that peer is not speaking the protocol and is dropped.
    const flood = await Raw.greeted(h.socket);
    flood.write('z'.repeat(2 * 1024 * 1024));
    const deadline = Date.now() + 5_000;
    while (!flood.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(flood.closed).toBe(true);
    await expectHostAlive();
  });

  it('hundreds of half-open connections and slow writers do not stall the host', async () => {
    // Half-open: connected, part of a line written (some before hello), never finished, never closed.
    const idle: net.Socket[] = [];
    for (let i = 0; i < 300; i += 1) {
      const s = net.connect(h.socket);
      s.on('error', () => {});
      idle.push(s);
      if (i % 3 === 0) s.write(JSON.stringify(HELLO) + '\n{"jsonrpc":"2.0","id":1,"meth');
      else if (i % 3 === 1) s.write('x'.repeat(32 * 1024));
    }
    await new Promise((r) => setTimeout(r, 300));
    await expectHostAlive();

    // Slow writers: a whole session sent one byte at a time, 20 of them at once, all answered correctly.
    const request = `${JSON.stringify(HELLO)}\n${JSON.stringify({ jsonrpc: '2.0', id: 'slow', method: 'credentials.get' })}\n`;
    const slow = await Promise.all(
      Array.from({ length: 20 }, async () => {
        const raw = await Raw.open(h.socket);
        for (const ch of request) {
          raw.write(ch);
          await new Promise((r) => setTimeout(r, 1));
        }
        const replies = await raw.untilReply('slow', 10_000);
        raw.close();
        return replies.at(-1)!;
      }),
    );
    for (const r of slow) expect(r).toMatchObject({ id: 'slow', result: { tokenType: 'Bearer' } });
    await expectHostAlive();
    for (const s of idle) s.destroy();
  });

  it('stays alive and its memory bounded through all of it, with no growth from round to round', async () => {
    await expectHostAlive();
    // Generous: the point is "bounded", not a number; unbounded buffering of the above would blow far past it.
    const afterFuzz = rss();
    expect(afterFuzz - rssAtStart).toBeLessThan(128 * 1024 * 1024);

    // The same abuse, round after round: once V8's heap has grown to its working size, it must stop growing.
    const round = async () => {
      const raw = await Raw.greeted(h.socket);
      const sample = fc.sample(fc.uint8Array({ maxLength: 4096 }), 300);
      for (const bytes of sample) await send(raw, bytes, expectedReplies(Uint8Array.from([...bytes, 0x0a])));
      for (let i = 0; i < 10; i += 1) await send(raw, 'q'.repeat(200 * 1024), 1);
      raw.close();
      const halfOpen = Array.from({ length: 100 }, () => {
        const s = net.connect(h.socket);
        s.on('error', () => {});
        s.write('{"jsonrpc":"2.0","id":1,"method":"status.g');
        return s;
      });
      await new Promise((r) => setTimeout(r, 100));
      for (const s of halfOpen) s.destroy();
      await new Promise((r) => setTimeout(r, 100));
      return rss();
    };
    const sizes = [await round(), await round(), await round(), await round()];
    const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
    console.log(
      `[fuzz] host RSS at start ${mb(rssAtStart)}, after fuzzing ${mb(afterFuzz)}, rounds ${sizes.map(mb).join(', ')}`,
    );
    expect(sizes[3]! - sizes[0]!).toBeLessThan(24 * 1024 * 1024);
    await expectHostAlive();
    expect(host.output()).not.toMatch(/unhandled|uncaught|TypeError|RangeError/i);
  });
});
