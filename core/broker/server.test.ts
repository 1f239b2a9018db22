import { chmod, lstat, mkdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { KeybridgeError } from '../errors';
import { startBroker, type Broker } from './server';
import {
  ADA_STATUS,
  createTestService,
  greetedConnect,
  rawConnect,
  SIGNED_OUT,
  tempDir,
  type TestService,
  leaveStaleSocket,
} from '../../test/support/broker-harness';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let service: TestService;
let broker: Broker | undefined;

beforeEach(async () => {
  tmp = await tempDir();
  service = createTestService();
});
afterEach(async () => {
  await broker?.close();
  broker = undefined;
  await tmp.cleanup();
});

async function start(path = join(tmp.dir, 'run', 'broker.sock')): Promise<Broker> {
  broker = await startBroker({ socketPath: path, service });
  return broker;
}

const req = (id: number | string | null, method: string, params?: unknown) =>
  params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params };

describe('hello', () => {
  it('must come first; a wrong protocol is refused and names the supported one', async () => {
    const b = await start();
    const conn = await rawConnect(b.path);
    conn.send(req(1, 'status.get'));
    expect(await conn.response(1)).toMatchObject({
      error: { code: -32002, message: expect.stringContaining('hello') },
    });

    conn.send(req(2, 'hello', { protocol: 2, client: { name: 'future-tool' } }));
    const refused = await conn.response(2);
    expect(refused).toMatchObject({ error: { code: -32600 } });
    expect((refused.error as { message: string }).message).toContain('protocol 1');
    conn.send(req(3, 'status.get'));
    expect(await conn.response(3)).toMatchObject({ error: { code: -32002 } });

    conn.send(req(4, 'hello', { protocol: 1, client: { name: 'my-tool', version: '1.2' } }));
    expect(await conn.response(4)).toEqual({
      jsonrpc: '2.0',
      id: 4,
      result: { protocol: 1, server: { name: 'keybridge-test', version: '9.9.9' } },
    });
    conn.send(req(5, 'status.get'));
    expect(await conn.response(5)).toMatchObject({ result: { state: 'signedIn' } });
    // The Service learns who is calling (and gets a way to ask the OS which process that is).
    expect(service.calls.at(-1)).toMatchObject({
      method: 'status.get',
      params: undefined,
      ctx: { transport: 'broker', client: { name: 'my-tool', version: '1.2' } },
    });

    conn.send(req(6, 'hello', { protocol: 1, client: { name: 'again' } }));
    expect(await conn.response(6)).toMatchObject({
      error: { code: -32600, message: expect.stringContaining('already') },
    });
    conn.close();
  });

  it('answers with serverInfo when given, and sees a pipelined hello before the next line', async () => {
    broker = await startBroker({
      socketPath: join(tmp.dir, 'b.sock'),
      service,
      serverInfo: { name: 'keybridge', version: '1.0.0' },
    });
    const conn = await rawConnect(broker.path);
    conn.write(
      JSON.stringify(req(1, 'hello', { protocol: 1, client: { name: 'fast' } })) +
        '\n' +
        JSON.stringify(req(2, 'status.get')) +
        '\n',
    );
    expect(await conn.response(1)).toMatchObject({
      result: { server: { name: 'keybridge', version: '1.0.0' } },
    });
    expect(await conn.response(2)).toMatchObject({ result: { state: 'signedIn' } });
    conn.close();
  });

  it('answers a pipelined hello before the lines behind it, even when its answer takes longer', async () => {
    let answerHello!: () => void;
    const helloDue = new Promise<void>((r) => (answerHello = r));
    const answered = service.hello.bind(service);
    service.hello = async (p, ctx) => {
      await helloDue;
      return answered(p, ctx);
    };
    const b = await start();
    const conn = await rawConnect(b.path);
    conn.write(
      [
        req(1, 'hello', { protocol: 1, client: { name: 'eager' } }),
        req(2, 'credentials.get'),
        req(3, 'nope'),
        { jsonrpc: '1.0', id: 4, method: 'm' },
      ]
        .map((m) => JSON.stringify(m) + '\n')
        .join(''),
    );
    // The credentials are ready long before hello's answer; they still wait behind it.
    await new Promise((r) => setImmediate(r));
    answerHello();
    expect(await conn.next()).toMatchObject({ id: 1, result: { protocol: 1 } });
    const rest = [await conn.next(), await conn.next(), await conn.next()].map((m) => m.id).sort();
    expect(rest).toEqual([2, 3, 4]);
    conn.close();
  });
});

describe('requests', () => {
  it('answers unknown methods -32601, bad params -32602 naming the field, bad JSON -32700, and keeps going', async () => {
    const b = await start();
    const conn = await greetedConnect(b.path);
    conn.send(req(1, 'credentials.steal'));
    expect(await conn.response(1)).toMatchObject({
      error: { code: -32601, message: expect.stringContaining('credentials.steal') },
    });

    conn.send(req(2, 'credentials.get', { minTtlSeconds: -5 }));
    const bad = await conn.response(2);
    expect(bad).toMatchObject({ error: { code: -32602 } });
    expect((bad.error as { message: string }).message).toContain('minTtlSeconds');

    conn.write('{"jsonrpc":"2.0","id":3,"method":\n');
    expect(await conn.next()).toMatchObject({ id: null, error: { code: -32700 } });

    conn.send(req(4, 'credentials.get', { minTtlSeconds: 60 }));
    expect(await conn.response(4)).toMatchObject({ result: { tokenType: 'Bearer', accountId: 'acct-123' } });
    expect(service.calls.at(-1)).toMatchObject({ method: 'credentials.get', params: { minTtlSeconds: 60 } });
    conn.close();
  });

  it('maps a KeybridgeError from the Service to its code and survives a handler that throws anything', async () => {
    const b = await start();
    service.status = SIGNED_OUT;
    const conn = await greetedConnect(b.path);
    conn.send(req(1, 'credentials.get'));
    expect(await conn.response(1)).toMatchObject({
      error: { code: -32001, data: { code: 'not_signed_in' } },
    });

    service['status.get'] = () => {
      throw new Error('kaput');
    };
    service['auth.logout'] = () => Promise.reject('not even an Error');
    conn.send(req(2, 'status.get'));
    expect(await conn.response(2)).toMatchObject({
      error: { code: -32603, message: expect.stringContaining('kaput') },
    });
    conn.send(req(3, 'auth.logout'));
    expect(await conn.response(3)).toMatchObject({ error: { code: -32603 } });
    service['auth.cancel'] = async () => ({ cancelled: BigInt(1) as unknown as boolean });
    conn.send(req(4, 'auth.cancel'));
    expect(await conn.response(4)).toMatchObject({ error: { code: -32603 } });
    conn.send(req(5, 'credentials.get'));
    expect(await conn.response(5)).toMatchObject({ error: { code: -32001 } });
    conn.close();
  });

  it('runs notifications but never answers them, not even with an error', async () => {
    const b = await start();
    const conn = await greetedConnect(b.path);
    conn.send({ jsonrpc: '2.0', method: 'auth.logout' });
    conn.send({ jsonrpc: '2.0', method: 'no.such.method' });
    conn.send({ jsonrpc: '2.0', method: 'credentials.get', params: { minTtlSeconds: 'x' } });
    conn.send(req('after', 'status.get'));
    // The first thing that comes back is the answer to the request: the notifications produced nothing.
    expect(await conn.next()).toMatchObject({ id: 'after', result: { state: 'signedOut' } });
    expect(service.calls.map((c) => c.method)).toContain('auth.logout');
    conn.close();
  });

  it('answers a null id with a null id', async () => {
    const b = await start();
    const conn = await greetedConnect(b.path);
    conn.send(req(null, 'status.get'));
    expect(await conn.next()).toMatchObject({ id: null, result: { state: 'signedIn' } });
    conn.close();
  });

  it('processes requests on one connection concurrently: a slow call does not hold up the next', async () => {
    const b = await start();
    let open!: () => void;
    service.gate = new Promise<void>((r) => (open = r));
    const conn = await greetedConnect(b.path);
    conn.send(req('slow', 'status.get'));
    conn.send(req('fast', 'credentials.get'));
    expect(await conn.next()).toMatchObject({ id: 'fast', result: { tokenType: 'Bearer' } });
    open();
    expect(await conn.next()).toMatchObject({ id: 'slow', result: { state: 'signedIn' } });
    conn.close();
  });

  it('answers 200 clients connecting at once', async () => {
    const b = await start();
    const answers = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const conn = await greetedConnect(b.path, `tool-${i}`);
        conn.send(req(i, 'credentials.get'));
        const answer = await conn.response(i, 10_000);
        conn.close();
        return answer;
      }),
    );
    expect(
      answers.every((a) => (a.result as { tokenType?: string } | undefined)?.tokenType === 'Bearer'),
    ).toBe(true);
    expect(
      new Set(service.calls.filter((c) => c.method === 'credentials.get').map((c) => c.ctx.client?.name))
        .size,
    ).toBe(200);
  });
});

describe('subscriptions', () => {
  it('sends status.changed only to connections that subscribed to status', async () => {
    const b = await start();
    const watcher = await greetedConnect(b.path, 'watcher');
    const quiet = await greetedConnect(b.path, 'quiet');
    watcher.send(req(1, 'subscribe', { topics: ['status', 'credentials'] }));
    // Only the topics that will actually be delivered are confirmed.
    expect(await watcher.response(1)).toMatchObject({ result: { topics: ['status'] } });

    service.setStatus(SIGNED_OUT);
    expect(await watcher.next()).toEqual({ jsonrpc: '2.0', method: 'status.changed', params: SIGNED_OUT });
    quiet.send(req(2, 'status.get'));
    expect(await quiet.next()).toMatchObject({ id: 2 });

    watcher.send(req(3, 'subscribe', { topics: [] }));
    expect(await watcher.response(3)).toMatchObject({ result: { topics: [] } });
    service.setStatus(ADA_STATUS);
    watcher.send(req(4, 'status.get'));
    expect(await watcher.next()).toMatchObject({ id: 4 });
    expect(b.broadcast('status.changed', ADA_STATUS, 'status')).toBe(0);
    watcher.close();
    quiet.close();
  });

  it('rejects unknown topics with -32602', async () => {
    const b = await start();
    const conn = await greetedConnect(b.path);
    conn.send(req(1, 'subscribe', { topics: ['everything'] }));
    expect(await conn.response(1)).toMatchObject({
      error: { code: -32602, message: expect.stringContaining('topics') },
    });
    conn.close();
  });
});

describe('endpoint', () => {
  it('creates the folder 0700 and the socket 0600', async () => {
    const b = await start(join(tmp.dir, 'fresh', 'broker.sock'));
    expect((await stat(join(tmp.dir, 'fresh'))).mode & 0o777).toBe(0o700);
    const st = await lstat(b.path);
    expect(st.isSocket()).toBe(true);
    expect(st.mode & 0o777).toBe(0o600);
  });

  it('tightens an existing folder of ours to 0700', async () => {
    const dir = join(tmp.dir, 'loose');
    await mkdir(dir);
    await chmod(dir, 0o755);
    await start(join(dir, 'broker.sock'));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
  });

  it('replaces a stale socket left by a host that died', async () => {
    const path = join(tmp.dir, 'stale.sock');
    // A real host process killed without a chance to clean up leaves its socket file behind.
    await leaveStaleSocket(path);
    expect((await lstat(path)).isSocket()).toBe(true);

    const b = await start(path);
    const conn = await greetedConnect(b.path);
    conn.send(req(1, 'status.get'));
    expect(await conn.response(1)).toMatchObject({ result: { state: 'signedIn' } });
    conn.close();
  });

  it('refuses to start a second broker on a live socket, and leaves the first one working', async () => {
    const first = await start();
    const second = startBroker({ socketPath: first.path, service: createTestService() });
    await expect(second).rejects.toMatchObject({ code: 'host_already_running' });
    await expect(second).rejects.toBeInstanceOf(KeybridgeError);
    const conn = await greetedConnect(first.path);
    conn.send(req(1, 'status.get'));
    expect(await conn.response(1)).toMatchObject({ result: { state: 'signedIn' } });
    conn.close();
  });

  it('refuses to replace a file that is not a socket', async () => {
    const path = join(tmp.dir, 'not-a-socket');
    await writeFile(path, 'precious');
    await expect(startBroker({ socketPath: path, service })).rejects.toMatchObject({
      code: 'config_invalid',
    });
    expect((await stat(path)).isFile()).toBe(true);
  });

  it('close() drops connections, removes the socket and stops listening to the Service', async () => {
    const b = await start();
    const conn = await greetedConnect(b.path);
    expect(b.connections()).toBe(1);
    expect(service.listeners()).toBe(1);
    await b.close();
    await conn.closed;
    expect(service.listeners()).toBe(0);
    await expect(lstat(b.path)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(rawConnect(b.path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a peer that resets its connection costs only that connection', async () => {
    const b = await start();
    const rude = await greetedConnect(b.path, 'rude');
    const polite = await greetedConnect(b.path, 'polite');
    let open!: () => void;
    service.gate = new Promise<void>((r) => (open = r));
    rude.send(req(1, 'status.get'));
    await new Promise((r) => setTimeout(r, 20));
    // Gone before its answer is ready: the server's write fails on a dead socket.
    rude.socket.destroy();
    await new Promise((r) => setTimeout(r, 20));
    open();
    service.gate = undefined;
    polite.send(req(2, 'status.get'));
    expect(await polite.response(2)).toMatchObject({ result: { state: 'signedIn' } });
    await new Promise((r) => setTimeout(r, 50));
    expect(b.connections()).toBe(1);
    polite.close();
  });
});
