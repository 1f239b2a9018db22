/**
 * What the broker demands of a connection before anything else (second security review): a tool name that
 * could forge log lines or hide what it is is refused with -32602, and a connection that never says hello
 * is closed instead of held for ever.
 */
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from './server';
import { createTestService, rawConnect, tempDir } from '../../test/support/broker-harness';
import { HOSTILE_NAME, RAW_CONTROL } from '../../test/support/hostile-input';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let broker: Broker | undefined;
let logged: string[];

beforeEach(async () => {
  tmp = await tempDir();
  logged = [];
});
afterEach(async () => {
  await broker?.close();
  broker = undefined;
  await tmp.cleanup();
});

async function start(helloTimeoutMs?: number): Promise<Broker> {
  broker = await startBroker({
    socketPath: join(tmp.dir, 'run', 'broker.sock'),
    service: createTestService(),
    log: (l) => logged.push(l),
    helloTimeoutMs,
  });
  return broker;
}

const hello = (id: number, client: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'hello',
  params: { protocol: 1, client },
});

describe('hello checks the tool name', () => {
  it.each([
    ['the review’s forged log line with ESC and U+202E', HOSTILE_NAME],
    ['a right-to-left override alone', 'good\u202elooc'],
    ['a zero-width joiner', 'key\u200dbridge'],
    ['65 characters', 'n'.repeat(65)],
  ])('refuses %s with -32602 and a message that does not repeat it', async (_what, name) => {
    const b = await start();
    const conn = await rawConnect(b.path);
    conn.send(hello(1, { name }));
    const answer = await conn.response(1);
    expect(answer).toMatchObject({
      error: { code: -32602, message: expect.stringContaining('client.name') },
    });
    const message = (answer.error as { message: string }).message;
    expect(message).not.toContain(name);
    expect(message).not.toMatch(RAW_CONTROL);
    // Not greeted: nothing else is served.
    conn.send({ jsonrpc: '2.0', id: 2, method: 'status.get' });
    expect(await conn.response(2)).toMatchObject({ error: { code: -32002 } });
    conn.close();
  });

  it('refuses a version with control characters, and accepts a plain name with accents and spaces', async () => {
    const b = await start();
    const conn = await rawConnect(b.path);
    conn.send(hello(1, { name: 'ok-tool', version: '1.0\u001b[31m' }));
    expect(await conn.response(1)).toMatchObject({ error: { code: -32602 } });
    conn.send(hello(2, { name: 'Café agent 2', version: '1.0' }));
    expect(await conn.response(2)).toMatchObject({ result: { protocol: 1 } });
    conn.close();
  });
});

describe('a connection that never says hello', () => {
  it('is told why and closed after the idle timeout; a greeted one stays', async () => {
    const b = await start(300);
    const idle = await rawConnect(b.path);
    const greeted = await rawConnect(b.path);
    greeted.send(hello(1, { name: 'quick-tool' }));
    await greeted.response(1);
    expect(await idle.next(10_000)).toMatchObject({ id: null, error: { code: -32002 } });
    await idle.closed;
    expect(logged.join('\n')).toContain('sent no hello');
    // Well past the timeout, the greeted connection still answers.
    greeted.send({ jsonrpc: '2.0', id: 2, method: 'status.get' });
    expect(await greeted.response(2)).toHaveProperty('result');
    greeted.close();
  });
});
