import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LineSplitter, MAX_LINE_BYTES, type FrameEvent } from './framing';
import { startBroker, type Broker } from './server';
import { createTestService, greetedConnect, rawConnect, tempDir } from '../../test/support/broker-harness';

const lines = (events: FrameEvent[]) =>
  events.filter((e) => e.type === 'line').map((e) => (e as { line: string }).line);

describe('LineSplitter', () => {
  it('reassembles a line split across many chunks and splits several lines in one chunk', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('{"a":'))).toEqual([]);
    expect(s.push(Buffer.from('1}'))).toEqual([]);
    expect(lines(s.push(Buffer.from('\n{"b":2}\n{"c"')))).toEqual(['{"a":1}', '{"b":2}']);
    expect(lines(s.push(Buffer.from(':3}\r\n')))).toEqual(['{"c":3}']);
  });

  it('decodes a multi-byte character split between chunks, byte by byte', () => {
    const s = new LineSplitter();
    const text = '{"name":"Zoë – 東京 🔑"}\n';
    const got: string[] = [];
    for (const byte of Buffer.from(text, 'utf8')) got.push(...lines(s.push(Buffer.from([byte]))));
    expect(got).toEqual(['{"name":"Zoë – 東京 🔑"}']);
  });

  it('skips blank lines and reports invalid UTF-8 instead of guessing', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('\n\r\n  \n'))).toEqual([]);
    expect(s.push(Buffer.from([0x7b, 0xff, 0xfe, 0x7d, 0x0a]))).toEqual([{ type: 'badEncoding' }]);
  });

  it('accepts a line of exactly 64 KiB and rejects 64 KiB + 1 once, then carries on', () => {
    const s = new LineSplitter();
    const exact = 'x'.repeat(MAX_LINE_BYTES);
    expect(lines(s.push(Buffer.from(exact + '\n')))).toEqual([exact]);
    expect(s.push(Buffer.from('y'.repeat(MAX_LINE_BYTES + 1) + '\n{"next":1}\n'))).toEqual([
      { type: 'overlong', limit: MAX_LINE_BYTES },
      { type: 'line', line: '{"next":1}' },
    ]);
    // A CRLF line of exactly 64 KiB is fine: the CR is framing, not content.
    expect(lines(s.push(Buffer.from(exact + '\r\n')))).toEqual([exact]);
  });

  it('reports an overlong line as soon as it passes the limit, once, and discards the rest of it', () => {
    const s = new LineSplitter();
    expect(s.push(Buffer.from('y'.repeat(MAX_LINE_BYTES + 2)))).toEqual([
      { type: 'overlong', limit: MAX_LINE_BYTES },
    ]);
    expect(s.push(Buffer.from('y'.repeat(100_000)))).toEqual([]);
    expect(s.push(Buffer.from('y\n{"ok":true}\n'))).toEqual([{ type: 'line', line: '{"ok":true}' }]);
  });

  it('reports a flood once and then ignores the stream', () => {
    const s = new LineSplitter({ maxLineBytes: 10, maxUnterminatedBytes: 100 });
    expect(s.push(Buffer.alloc(50, 0x61))).toEqual([{ type: 'overlong', limit: 10 }]);
    expect(s.push(Buffer.alloc(51, 0x61))).toEqual([{ type: 'flood', limit: 100 }]);
    expect(s.push(Buffer.from('\n{"a":1}\n'))).toEqual([]);
  });
});

describe('framing on a live broker socket', () => {
  let broker: Broker;
  let tmp: Awaited<ReturnType<typeof tempDir>>;

  beforeEach(async () => {
    tmp = await tempDir();
    broker = await startBroker({ socketPath: join(tmp.dir, 'broker.sock'), service: createTestService() });
  });
  afterEach(async () => {
    await broker.close();
    await tmp.cleanup();
  });

  it('answers a 64 KiB + 1 line with -32600 naming the limit, and still answers the next request', async () => {
    const conn = await greetedConnect(broker.path);
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status.get', params: { pad: '' } });
    const padded = big.replace('"pad":""', `"pad":"${'p'.repeat(MAX_LINE_BYTES + 1 - big.length)}"`);
    expect(Buffer.byteLength(padded)).toBe(MAX_LINE_BYTES + 1);
    // Sent in pieces, as a real socket would deliver it.
    conn.write(padded.slice(0, 30_000));
    conn.write(padded.slice(30_000) + '\n');
    const error = await conn.next();
    expect(error).toMatchObject({ id: null, error: { code: -32600 } });
    expect((error.error as { message: string }).message).toContain('65536 bytes');

    conn.send({ jsonrpc: '2.0', id: 2, method: 'status.get' });
    expect(await conn.response(2)).toMatchObject({ result: { state: 'signedIn' } });
    conn.close();
  });

  it('closes a connection that floods more than 1 MiB without a newline, and only that one', async () => {
    const other = await greetedConnect(broker.path, 'bystander');
    const conn = await rawConnect(broker.path);
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    for (let i = 0; i < 20 && !conn.socket.destroyed; i += 1) conn.write(chunk);
    await conn.closed;
    expect(conn.socket.destroyed).toBe(true);

    other.send({ jsonrpc: '2.0', id: 7, method: 'status.get' });
    expect(await other.response(7)).toMatchObject({ result: { state: 'signedIn' } });
    other.close();
  });
});
