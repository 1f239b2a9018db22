/**
 * `keybridge codex sync` (docs/remote.md "Codex CLI on the remote machine"): keeps `$CODEX_HOME/auth.json` of
 * the machine it runs on filled from the broker — typically a remote machine reaching the desktop's broker
 * through `keybridge remote ssh` — so Codex CLI works there with no login of its own.
 *
 * Same file as Codex sharing on the desktop (core/codex/auth-file.ts): the access token and id_token, the
 * refresh token always "", mode 0600, written atomically. It follows every change the broker announces
 * (refresh, sign-in, account switch), removes the file on sign-out or when access ends, and removes it when it
 * stops (SIGINT, SIGTERM, SIGHUP, or the broker going away). A login Codex made itself is never replaced.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { PipelinedBrokerClient as BrokerClient } from '../core/broker/client';
import {
  authFilePath,
  codexAuthJson,
  readAuthFile,
  removeFile,
  sha256Hex,
  writeAuthFile,
} from '../core/codex/auth-file';
import type { Env } from '../core/paths';

interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Env;
}

interface SyncCredentials {
  accessToken: string;
  idToken?: string;
  accountId: string | null;
}

interface CredentialsChange {
  reason: string;
  tokenSha256: string | null;
  access: 'allowed' | 'denied' | 'undecided';
}

/** Reasons after which there is no token for this tool: the file goes. */
const GONE = new Set(['signedOut', 'expired', 'revoked', 'denied']);

export async function codexSync(client: BrokerClient, io: Io): Promise<number> {
  const codexHome = io.env.CODEX_HOME || join(homedir(), '.codex');
  const path = authFilePath(codexHome);
  /** SHA-256 of what this run last wrote: the file is ours only while it still holds exactly that. */
  let written: string | null = null;
  let chain: Promise<unknown> = Promise.resolve();
  const serial = (work: () => Promise<void>) => (chain = chain.then(work, work));

  const existing = await readAuthFile(path);
  if (existing) {
    io.err(
      `${path} already holds a Codex CLI login, so keybridge codex sync will not replace it. Move it away (or run \`codex logout\`) and try again.\n`,
    );
    return 1;
  }

  const write = async () => {
    const creds = (await client.call('credentials.get', { idToken: true })) as SyncCredentials;
    const text = codexAuthJson({
      idToken: creds.idToken ?? '',
      accessToken: creds.accessToken,
      accountId: creds.accountId,
      obtainedAt: Date.now(),
    });
    if (!(await stillOurs())) return;
    await writeAuthFile(path, text);
    written = sha256Hex(text);
  };
  /** The file is missing or the one this run wrote: Codex may have signed in on its own meanwhile. */
  const stillOurs = async () => {
    const now = await readAuthFile(path);
    if (now === null || now.sha256 === written) return true;
    io.err(`${path} was replaced by another login; keybridge codex sync leaves it alone and stops.\n`);
    stop(1);
    return false;
  };
  const remove = async () => {
    if (written === null) return;
    const now = await readAuthFile(path).catch(() => null);
    if (now?.sha256 === written) await removeFile(path);
    written = null;
  };

  let finish!: (code: number) => void;
  const finished = new Promise<number>((resolve) => (finish = resolve));
  let stopping = false;
  const stop = (code: number) => {
    if (stopping) return;
    stopping = true;
    void serial(remove).finally(() => finish(code));
  };

  client.onNotification((method, params) => {
    if (method !== 'credentials.changed' || stopping) return;
    const change = params as CredentialsChange;
    if (GONE.has(change.reason) || change.tokenSha256 === null) {
      void serial(async () => {
        await remove();
        io.err(`No Keybridge session for this tool now (${change.reason}): removed ${path}.\n`);
      });
      return;
    }
    if (change.access === 'allowed') void serial(() => write().catch((e) => report(e)));
  });
  const report = (e: unknown) =>
    io.err(`Could not update ${path}: ${e instanceof Error ? e.message : String(e)}\n`);

  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  const onSignal = () => stop(0);
  for (const s of signals) process.on(s, onSignal);
  client.onClose(() => {
    if (stopping) return;
    io.err(`Keybridge closed the connection (stopped, or access was revoked): removed ${path}.\n`);
    stop(1);
  });

  try {
    await client.call('subscribe', { topics: ['credentials'] });
    await serial(write);
    io.err(`Keeping ${path} filled from Keybridge (no refresh token in it). Ctrl+C stops and removes it.\n`);
    return await finished;
  } catch (e) {
    stop(1);
    await finished;
    throw e;
  } finally {
    for (const s of signals) process.off(s, onSignal);
  }
}
