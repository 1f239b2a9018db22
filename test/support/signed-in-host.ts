/**
 * A real `keybridge serve` host, signed in the way a user does (`keybridge login --no-browser`, then the
 * consent at the test oidc-server, completed over HTTP), for the tests of what local tools get from it.
 */
import { signInOverHttp } from './http-sign-in';
import { makeHostEnv, removeHome, runCli, startHost, type HostEnv, type RunningHost } from './host';
import type { OidcServer } from './oidc-server';

export interface SignedInHost {
  h: HostEnv;
  /** Replace it when a test restarts the host, so dispose() stops the running one. */
  host: RunningHost;
  /** Stops the host and removes its data folder. */
  dispose(): Promise<void>;
}

export async function signIn(h: HostEnv, login = 'ada@example.com'): Promise<void> {
  const run = runCli(h, ['login', '--no-browser']);
  const url = await run.waitForStdout(/^https?:\/\//);
  await signInOverHttp(url, login);
  const result = await run.done;
  if (result.code !== 0) throw new Error(`keybridge login failed (${result.code}): ${result.stderr}`);
}

export async function startSignedInHost(
  oidc: OidcServer,
  extraEnv: Record<string, string> = {},
  opts: { login?: string; serveArgs?: string[]; signIn?: boolean } = {},
): Promise<SignedInHost> {
  const h = await makeHostEnv(oidc.issuer, oidc.clientId, extraEnv);
  const host = await startHost(h, opts.serveArgs ?? []);
  try {
    if (opts.signIn !== false) await signIn(h, opts.login);
  } catch (e) {
    await host.stop();
    await removeHome(h);
    throw e;
  }
  const s: SignedInHost = {
    h,
    host,
    // The host in use now: a test may have restarted it.
    async dispose() {
      await s.host.stop();
      await removeHome(h);
    },
  };
  return s;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `fn` until it returns something other than undefined. */
export async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
