/**
 * An idle host wakes for nothing but its refresh timer (docs/design.md "Quality bars"). A real
 * `keybridge serve`, signed in with an hour-long token (no refresh due for ~55 minutes) and with a
 * `watch`-style client subscribed to status, must not wake its main thread at all over a 20-second window: no
 * polling, no intervals, no keep-alive chatter. Wake-ups are the main thread's context switches from /proc
 * (Linux only).
 *
 * Activity leaves wake-ups behind for a while, in any Node process: V8's memory reducer wakes it every ~8 s
 * for a few GCs after a burst of allocation, and a timer that was cleared still wakes the loop once at the
 * time it was due (Node reschedules its timer lazily) — up to 30 s after a request (the 15 s request
 * timeout, an HTTP server's 30 s connection check). So the window starts only once the main thread has been
 * quiet for 31 s in a row.
 */
import { existsSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBroker, type BrokerClient } from '../../core/broker/client';
import { makeHostEnv, removeHome, startHost, type HostEnv, type RunningHost } from '../support/host';
import { signInOverHttp } from '../support/http-sign-in';
import { startOidcServer, type OidcServer } from '../support/oidc-server';

const hasProc = existsSync('/proc/self/status');

function mainThreadSwitches(pid: number): number {
  const s = readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8');
  const v = Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(s)![1]);
  const nv = Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(s)![1]);
  return v + nv;
}

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let oidc: OidcServer;
let h: HostEnv;
let host: RunningHost;
let watcher: BrokerClient;
const notifications: unknown[] = [];

beforeAll(async () => {
  if (!hasProc) return;
  oidc = await startOidcServer({ accessTokenTtlSeconds: 3600 });
  h = await makeHostEnv(oidc.issuer, oidc.clientId, {
    // Nothing the host might reach for on its own may be out on the network.
    KEYBRIDGE_CHATGPT_BASE: `${oidc.issuer}/backend-api`,
  });
  host = await startHost(h);
  const client = await connectBroker(h.socket, { name: 'idle-setup' });
  const { url } = (await client.call('auth.login', { noBrowser: true })) as { url: string };
  await signInOverHttp(url, 'ada@example.com');
  await client.call('auth.wait');
  client.close();
  watcher = await connectBroker(h.socket, { name: 'idle-watcher' });
  watcher.onNotification((method, params) => notifications.push({ method, params }));
  await watcher.call('subscribe', { topics: ['status'] });
});

afterAll(async () => {
  watcher?.close();
  await host?.stop();
  if (h) await removeHome(h);
  await oidc?.close();
});

describe('an idle, signed-in host', () => {
  it.skipIf(!hasProc)(
    'does not wake up over 20 s, with a subscribed client connected',
    async () => {
      const pid = host.child.pid!;
      // Settle: 31 quiet seconds in a row (within 2 minutes).
      const settleUntil = Date.now() + 120_000;
      let quietSince = Date.now();
      let last = mainThreadSwitches(pid);
      while (Date.now() - quietSince < 31_000) {
        expect(Date.now(), 'the host never went quiet for 31 s').toBeLessThan(settleUntil);
        await sleep(250);
        const now = mainThreadSwitches(pid);
        if (now !== last) quietSince = Date.now();
        last = now;
      }
      const switches = mainThreadSwitches(pid);
      const ticks = cpuTicks(pid);
      const seen = notifications.length;
      await sleep(20_000);
      expect(mainThreadSwitches(pid) - switches).toBe(0);
      expect(cpuTicks(pid) - ticks).toBeLessThanOrEqual(1);
      expect(notifications.length).toBe(seen); // nothing changed, so nothing was sent
      // Still there and answering at once when asked.
      expect(await watcher.call('status.get')).toMatchObject({ state: 'signedIn' });
    },
    200_000,
  );
});
