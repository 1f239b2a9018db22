import net from 'node:net';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BrokerCallError, connectBroker } from './client';
import { startBroker, type Broker } from './server';
import {
  createTestService,
  leaveStaleSocket,
  SIGNED_OUT,
  tempDir,
  type TestService,
} from '../../test/support/broker-harness';

let tmp: Awaited<ReturnType<typeof tempDir>>;
let service: TestService;
let broker: Broker | undefined;

beforeEach(async () => {
  tmp = await tempDir('kb-client-');
  service = createTestService();
});
afterEach(async () => {
  await broker?.close();
  broker = undefined;
  await tmp.cleanup();
});

describe('connectBroker', () => {
  it('says Keybridge is not running when nothing is at the path', async () => {
    const path = join(tmp.dir, 'missing.sock');
    const err = await connectBroker(path, { name: 't' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerCallError);
    expect(err).toMatchObject({
      code: 'host_not_running',
      message: `Keybridge is not running (no broker at ${path}). Start it with \`keybridge serve\` or open the app.`,
    });
  });

  it('says the same for a stale socket file nobody listens on', async () => {
    const path = join(tmp.dir, 'stale.sock');
    await leaveStaleSocket(path);
    await expect(connectBroker(path, { name: 't' })).rejects.toMatchObject({ code: 'host_not_running' });
  });

  it('greets, calls, and rejects with the JSON-RPC code, message and data', async () => {
    broker = await startBroker({ socketPath: join(tmp.dir, 'b.sock'), service });
    const client = await connectBroker(broker.path, { name: 'my-tool', version: '2.0' });
    expect(client.server).toEqual({ protocol: 1, server: { name: 'keybridge-test', version: '9.9.9' } });
    expect(await client.call('status.get')).toMatchObject({ state: 'signedIn' });
    expect(service.calls[0]).toMatchObject({
      method: 'hello',
      ctx: { client: { name: 'my-tool', version: '2.0' } },
    });

    service.status = SIGNED_OUT;
    const err = await client.call('credentials.get', { minTtlSeconds: 30 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BrokerCallError);
    expect(err).toMatchObject({
      code: -32001,
      message: expect.stringContaining('Not signed in'),
      data: { code: 'not_signed_in' },
    });
    await expect(client.call('nope')).rejects.toMatchObject({ code: -32601 });
    client.close();
    await expect(client.call('status.get')).rejects.toMatchObject({ code: 'connection_closed' });
  });

  it('delivers notifications after subscribe, and rejects pending calls when the host goes away', async () => {
    broker = await startBroker({ socketPath: join(tmp.dir, 'b.sock'), service });
    const client = await connectBroker(broker.path, { name: 'watcher' });
    const seen: Array<[string, unknown]> = [];
    client.onNotification((method, params) => seen.push([method, params]));
    expect(await client.call('subscribe', { topics: ['status'] })).toEqual({ topics: ['status'] });
    service.setStatus(SIGNED_OUT);
    await expect.poll(() => seen).toEqual([['status.changed', SIGNED_OUT]]);

    const closed = new Promise<void>((resolve) => client.onClose(resolve));
    const waiting = expect(client.call('auth.wait')).rejects.toMatchObject({ code: 'connection_closed' });
    await broker.close();
    await waiting;
    await closed;
  });

  it('times out when something accepts but never answers hello', async () => {
    const path = join(tmp.dir, 'mute.sock');
    const mute = net.createServer(() => {});
    await new Promise<void>((resolve) => mute.listen(path, resolve));
    try {
      const started = Date.now();
      await expect(connectBroker(path, { name: 't' }, { timeoutMs: 200 })).rejects.toMatchObject({
        code: 'timeout',
      });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      mute.close();
    }
  });

  it('stays dependency-free: bundling it pulls in nothing from node_modules', async () => {
    const result = await build({
      entryPoints: [join(__dirname, 'client.ts')],
      bundle: true,
      platform: 'node',
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((p) => p.includes('node_modules'))).toEqual([]);
    // Only the zod-free wire pieces: the protocol's names and codes, the framing and the NDJSON reader.
    expect(inputs.map((p) => p.split('/').pop()).sort()).toEqual([
      'client.ts',
      'framing.ts',
      'ndjson.ts',
      'protocol.ts',
    ]);
  });
});
