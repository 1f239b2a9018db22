/**
 * A Keybridge core composed in-process the way `createHost` composes it (real OAuth client, real vault with
 * the file-key cipher in a temp folder, real Session), but with the knobs fault tests need: the request
 * timeout, the backoff's randomness and the clock. Sign-in runs for real against the test oidc-server, over
 * HTTP (test/support/http-sign-in.ts).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOAuthClient } from '../../core/auth/client';
import { loadConfig } from '../../core/config';
import { redact } from '../../core/errors';
import { Session } from '../../core/session/session';
import { createFileKeyCipher } from '../../core/vault/file-key-cipher';
import { Vault } from '../../core/vault/vault';
import { freePort } from '../support/host';
import { activeSessionView } from '../support/vault-fixtures';
import { signInOverHttp } from '../support/http-sign-in';
import type { OidcServer } from '../support/oidc-server';

export interface InProcessOptions {
  /** Reuse a data folder (a restart); default a fresh temp folder. */
  home?: string;
  /** Per-request timeout of the OAuth client. Default 2 s (the product's is 15 s). */
  requestTimeoutMs?: number;
  /** The session's jitter source; () => 0 makes backoff delays exact: 1 s, 2 s, 4 s … */
  random?: () => number;
  /** The local clock (epoch ms) for both the session and the OAuth client. */
  now?: () => number;
}

export interface InProcessHost {
  home: string;
  session: Session;
  /** The vault, read as the active account's session (these tests sign in one account). */
  vault: ReturnType<typeof activeSessionView>;
  /** Every log line, redacted as the host's log would be. */
  logs: string[];
  signIn(login?: string): Promise<void>;
  /** Closes the session; the data folder stays (for a restart) until `remove()`. */
  close(): Promise<void>;
  remove(): Promise<void>;
}

export async function inProcessHost(server: OidcServer, opts: InProcessOptions = {}): Promise<InProcessHost> {
  const home = opts.home ?? (await mkdtemp(join(tmpdir(), 'kb-fault-')));
  const config = loadConfig({
    KEYBRIDGE_HOME: home,
    KEYBRIDGE_ISSUER: server.issuer,
    KEYBRIDGE_CLIENT_ID: server.clientId,
    KEYBRIDGE_LOOPBACK_PORT: String(await freePort()),
  });
  const logs: string[] = [];
  const log = (line: string) => logs.push(redact(line));
  const auth = createOAuthClient(config.provider, {
    log,
    requestTimeoutMs: opts.requestTimeoutMs ?? 2_000,
    revokeTimeoutMs: 500,
    now: opts.now,
  });
  const cipher = await createFileKeyCipher(home);
  const vault = new Vault({ dir: home, cipher });
  const session = new Session({ auth, vault, storage: cipher.info, log, random: opts.random, now: opts.now });
  await session.start();
  return {
    home,
    session,
    vault: activeSessionView(vault),
    logs,
    async signIn(login = 'ada@example.com') {
      const info = await session.login();
      await signInOverHttp(info.url, login);
      await session.waitForSignIn();
    },
    close: () => session.close(),
    remove: () => rm(home, { recursive: true, force: true }),
  };
}

/** Polls `fn` until it returns something other than undefined. */
export async function until<T>(
  what: string,
  fn: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
