/**
 * One round of the crash tests: drive refreshes back to back on a running host (a minimum TTL longer than
 * any token forces one per call), SIGKILL it at a random moment, and report every access token a tool was
 * handed before the kill. The vault must then hold the last of them or the one after it.
 */
import { connectBroker } from '../../core/broker/client';
import type { HostEnv, RunningHost } from './host';
import { sleep } from './signed-in-host';

/** Returns `[lastBefore, …every token handed out in this round]`. The host is stopped when it returns. */
export async function killDuringRefreshes(
  h: HostEnv,
  host: RunningHost,
  lastBefore: string,
  params: { account?: string } = {},
): Promise<string[]> {
  const client = await connectBroker(h.socket, { name: 'crash-test' });
  const handedOut = [lastBefore];
  let driving = true;
  const driver = (async () => {
    while (driving) {
      try {
        const c = (await client.call('credentials.get', { ...params, minTtlSeconds: 86_400 })) as {
          accessToken: string;
        };
        handedOut.push(c.accessToken);
      } catch {
        return; // the host is gone
      }
    }
  })();
  await sleep(30 + Math.random() * 400);
  host.child.kill('SIGKILL');
  await host.stop();
  driving = false;
  await driver;
  client.close();
  return handedOut;
}
