/**
 * The second security review's `open-url` hang, class by class, on real Unix sockets: every call ends by its
 * deadline; an error the host can only address to `id: null` ends every call in flight with that error; a
 * request over the broker's 64 KiB line limit is refused before it is sent (the real broker could only
 * answer it with `id: null`).
 */
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { connect, KeybridgeClientError } from '../../client/index';
import { BrokerCallError, connectBroker } from './client';
import { startBroker, type Broker } from './server';
import { createTestService, tempDir } from '../../test/support/broker-harness';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let broker: Broker | undefined;
let fake: net.Server | undefined;

beforeEach(async () => {
  tmp = await tempDir('kb-deadline-');
});
afterEach(async () => {
  await broker?.close();
  broker = undefined;
  await new Promise<void>((r) => (fake ? fake.close(() => r()) : r()));
  fake = undefined;
  await tmp.cleanup();
});

/**
 * A host that answers hello and then, for every other request line, does what `answer` says: a reply line
 * to send, or nothing at all (a host that hangs).
 */
async function fakeHost(answer: (request: { id: unknown; method: string }) => string | undefined) {
  const path = join(tmp.dir, 'fake.sock');
  fake = net.createServer((socket) => {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('error', () => undefined);
    socket.on('data', (text: string) => {
      buffered += text;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) !== -1) {
        const msg = JSON.parse(buffered.slice(0, nl)) as { id: unknown; method: string };
        buffered = buffered.slice(nl + 1);
        if (msg.method === 'hello') {
          socket.write(
            JSON.stringify({
              jsonrpc: '2.0',
              id: msg.id,
              result: { protocol: 1, server: { name: 'fake', version: '0' } },
            }) + '\n',
          );
        } else {
          const reply = answer(msg);
          if (reply !== undefined) socket.write(reply + '\n');
        }
      }
    });
  });
  await new Promise<void>((r) => fake!.listen(path, () => r()));
  return path;
}

describe('deadlines', () => {
  it('a call the host never answers ends with "timeout" at its deadline (connection default or per call)', async () => {
    const path = await fakeHost(() => undefined);
    const client = await connectBroker(path, { name: 't' }, { callTimeoutMs: 300 });
    const started = Date.now();
    await expect(client.call('status.get')).rejects.toMatchObject({
      code: 'timeout',
      message: expect.stringContaining('status.get'),
    });
    await expect(client.call('auth.openUrl', { url: 'x' }, { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    client.close();
  });

  it('keybridge/client calls end by their deadline too', async () => {
    const path = await fakeHost(() => undefined);
    const kb = await connect({ name: 't', socketPath: path, callTimeoutMs: 300, approvalTimeoutMs: 400 });
    try {
      const status = await kb.status().catch((e: unknown) => e);
      expect(status).toBeInstanceOf(KeybridgeClientError);
      expect(status).toMatchObject({ code: 'timeout' });
      await expect(kb.getCredentials()).rejects.toMatchObject({ code: 'timeout' });
    } finally {
      kb.close();
    }
  });
});

describe('an error reply with id: null', () => {
  it('ends every call in flight on that connection with the host’s error', async () => {
    const path = await fakeHost(() =>
      JSON.stringify({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'Request too large: a line may hold at most 65536 bytes.' },
      }),
    );
    const client = await connectBroker(path, { name: 't' });
    const calls = [client.call('status.get'), client.call('models.list')];
    for (const c of calls) {
      await expect(c).rejects.toMatchObject({ code: -32600, message: expect.stringContaining('too large') });
    }
  });
});

describe('over-long requests', () => {
  it('are refused before they are sent, with the size and the limit; the connection goes on', async () => {
    const service = createTestService();
    broker = await startBroker({ socketPath: join(tmp.dir, 'run', 'broker.sock'), service });
    const client = await connectBroker(broker.path, { name: 't' });
    const url = `http://localhost:1455/auth/callback?code=${'a'.repeat(100 * 1024)}`;
    const err = await client.call('auth.openUrl', { url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerCallError);
    expect(err).toMatchObject({ code: 'too_large', message: expect.stringMatching(/101 KiB.*64 KiB/) });
    expect(await client.call('status.get')).toMatchObject({ state: 'signedIn' });
    client.close();
  });
});
