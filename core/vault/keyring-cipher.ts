/**
 * The preferred Node cipher: a random 32-byte key kept in the OS keyring (Secret Service on Linux, Keychain
 * on macOS, Credential Manager on Windows) through `@napi-rs/keyring`, made on first use.
 *
 * Why the keyring is asked from a short-lived child process and not in-process (not even with AsyncEntry):
 * on Linux the binding connects to D-Bus synchronously while the entry is being built, on the calling
 * thread. A D-Bus that accepts the connection but never answers therefore blocks the event loop, and an
 * AbortSignal or a worker thread cannot end it (a worker stuck in native code even keeps the process from
 * exiting). A child process can be SIGKILLed, so every keyring round trip is bounded by `timeoutMs` and a
 * hung D-Bus can never hang start-up. One child does the whole get-or-create, so it costs one spawn.
 *
 * On Linux the entry is pinned to the Secret Service: the binding's default falls back to the kernel
 * keyring (keyutils), whose keys vanish at logout/reboot — the vault would silently become unreadable.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { StorageInfo } from '../api/contract';
import { KeybridgeError, redact } from '../errors';
import { SEALED_KEY_BYTES, createSealedCipher } from './sealed';
import type { Cipher } from './types';

export const KEYRING_INFO: StorageInfo = {
  kind: 'os-keyring',
  protected: true,
  description:
    'Encrypted with a key kept in the OS keyring (Secret Service / Keychain / Credential Manager).',
};

export const DEFAULT_KEYRING_SERVICE = 'Keybridge';
export const DEFAULT_KEYRING_TIMEOUT_MS = 3_000;

export interface KeyringOptions {
  /** Keyring service name. Default 'Keybridge'. */
  service?: string;
  /** Keyring account. Default 'vault-key'; selectNodeCipher passes `keyringAccountFor(dir)`. */
  account?: string;
  /** Bound on the whole keyring round trip. Default 3 s. */
  timeoutMs?: number;
  /** Environment of the keyring process (DBUS_SESSION_BUS_ADDRESS, HOME…). Default process.env. */
  env?: NodeJS.ProcessEnv;
}

/** One keyring entry per data folder, so two data folders (e.g. tests, profiles) never share a key. */
export function keyringAccountFor(dir: string): string {
  return `vault-key:${createHash('sha256').update(resolve(dir)).digest('hex').slice(0, 16)}`;
}

type KeyringOp = 'get-or-create' | 'delete';

interface KeyringRequest {
  modulePath: string;
  service: string;
  account: string;
  op: KeyringOp;
}

type KeyringReply = { ok: true; key?: string; deleted?: boolean } | { ok: false; message: string };

/**
 * Runs in the child (CommonJS, `node -e`). The request comes in the environment, the reply goes to stdout
 * (a pipe to the parent only; never logged). The synchronous Entry is fine here: blocking is the child's job.
 */
const CHILD_SCRIPT = `
'use strict';
const reply = (r) => process.stdout.write(JSON.stringify(r));
try {
  const req = JSON.parse(process.env.KEYBRIDGE_KEYRING_REQUEST);
  const { Entry } = require(req.modulePath);
  const options = process.platform === 'linux' ? { linux: { store: 'secret-service' } } : undefined;
  const entry = new Entry(req.service, req.account, options);
  if (req.op === 'delete') {
    reply({ ok: true, deleted: entry.deletePassword() });
  } else {
    let key = entry.getPassword();
    if (key == null) {
      entry.setPassword(require('node:crypto').randomBytes(${SEALED_KEY_BYTES}).toString('base64'));
      // Read back: if another process stored its key at the same moment, both use whichever was kept.
      key = entry.getPassword();
      if (key == null) throw new Error('the keyring did not keep the new key');
    }
    reply({ ok: true, key });
  }
} catch (e) {
  reply({ ok: false, message: String((e && e.message) || e) });
}
`;

function resolveKeyringModule(): string {
  // import.meta.url is absent when this file is bundled to CommonJS; then resolve from the entry script or cwd.
  const bases = [import.meta.url, process.argv[1], join(process.cwd(), 'noop.js')];
  for (const base of bases) {
    if (!base) continue;
    try {
      return createRequire(base).resolve('@napi-rs/keyring');
    } catch {
      // try the next base
    }
  }
  throw new KeybridgeError(
    'cipher_unavailable',
    'The OS keyring module (@napi-rs/keyring) is not installed, so the keyring cannot be used.',
  );
}

function unavailable(reason: string, cause?: unknown): KeybridgeError {
  return new KeybridgeError(
    'cipher_unavailable',
    `The OS keyring is not available (${redact(reason)}). On Linux this needs a desktop session with a Secret Service ` +
      '(GNOME Keyring, KWallet, KeePassXC); set KEYBRIDGE_CIPHER=file-key to use a key file instead.',
    cause === undefined ? {} : { cause },
  );
}

async function runKeyring(op: KeyringOp, opts: KeyringOptions): Promise<KeyringReply & { ok: true }> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_KEYRING_TIMEOUT_MS;
  const request: KeyringRequest = {
    modulePath: resolveKeyringModule(),
    service: opts.service ?? DEFAULT_KEYRING_SERVICE,
    account: opts.account ?? 'vault-key',
    op,
  };
  const env: NodeJS.ProcessEnv = {
    ...(opts.env ?? process.env),
    KEYBRIDGE_KEYRING_REQUEST: JSON.stringify(request),
    // Inside Electron, process.execPath is the Electron binary: make it behave as plain Node.
    ELECTRON_RUN_AS_NODE: '1',
  };
  delete env.NODE_OPTIONS; // the parent's loaders/inspectors have no business in this child
  const stdout = await new Promise<string>((resolvePromise, reject) => {
    execFile(
      process.execPath,
      ['-e', CHILD_SCRIPT],
      {
        env,
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        windowsHide: true,
        maxBuffer: 64 * 1024,
        encoding: 'utf8',
      },
      (error, out) => {
        if (error) {
          // The message of an execFile error quotes the whole command line: report only what happened.
          const { killed, code, signal } = error as { killed?: boolean; code?: unknown; signal?: unknown };
          const reason = killed
            ? `no answer within ${timeoutMs} ms`
            : `the keyring helper stopped (${String(code ?? signal ?? 'unknown')})`;
          reject(unavailable(reason));
          return;
        }
        resolvePromise(out);
      },
    );
  });
  let reply: KeyringReply;
  try {
    reply = JSON.parse(stdout) as KeyringReply;
  } catch (e) {
    throw unavailable('the keyring helper gave no usable answer', e);
  }
  if (!reply.ok) throw unavailable(reply.message);
  return reply;
}

/**
 * A cipher whose 32-byte key (base64) is kept in the OS keyring, created there on first use.
 * Throws KeybridgeError('cipher_unavailable') within `timeoutMs` when no keyring answers.
 */
export async function createKeyringCipher(opts: KeyringOptions = {}): Promise<Cipher> {
  const reply = await runKeyring('get-or-create', opts);
  const key = Buffer.from(reply.key ?? '', 'base64');
  if (key.length !== SEALED_KEY_BYTES) {
    key.fill(0);
    throw new KeybridgeError(
      'cipher_unavailable',
      `The OS keyring holds an entry for ${opts.service ?? DEFAULT_KEYRING_SERVICE} that is not a Keybridge key; remove it from the keyring to let Keybridge make a new one.`,
    );
  }
  try {
    return createSealedCipher(key, KEYRING_INFO);
  } finally {
    key.fill(0);
  }
}

/** Removes the key from the OS keyring (its vault becomes unreadable). Resolves whether there was one. */
export async function deleteKeyringKey(opts: KeyringOptions = {}): Promise<boolean> {
  const reply = await runKeyring('delete', opts);
  return reply.deleted === true;
}
