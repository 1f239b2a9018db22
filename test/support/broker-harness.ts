/**
 * Test helpers for the broker: a small, real Service implementation (the broker's unit tests must not need
 * the OAuth stack) and a raw NDJSON connection that speaks bytes, so tests can send what a client library
 * never would.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Credentials, Status } from '../../core/api/contract';
import type { CallContext, Service } from '../../core/api/service';
import { accountListFor, sampleModelList, sampleUsage } from './account-fixtures';
import { KeybridgeError } from '../../core/errors';
import { toolMethodStubs } from './tool-fixtures';

export const ADA_STATUS: Status = {
  state: 'signedIn',
  account: { email: 'ada@example.com', planType: 'plus', accountId: 'acct-123' },
  expiresAt: new Date(Date.now() + 52 * 60_000 + 30_000).toISOString(),
  storage: { kind: 'file-key', protected: false, description: 'file key in the data folder' },
};

export const SIGNED_OUT: Status = {
  state: 'signedOut',
  storage: { kind: 'file-key', protected: false, description: 'file key in the data folder' },
};

/** A fake access token shaped like a JWT, so redaction and "never printed" checks have something to find. */
export const TEST_ACCESS_TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJlLW9mLXRlc3Q';

export interface TestService extends Service {
  status: Status;
  /** Every call the broker dispatched, with its context. */
  calls: Array<{ method: string; params: unknown; ctx: CallContext }>;
  setStatus(status: Status): void;
  /** Resolves the pending `auth.wait` (signed in) or rejects it. */
  finishSignIn(outcome: Status | KeybridgeError): void;
  /** Number of live onStatus listeners. */
  listeners(): number;
  /** `status.get` waits for this when set (to prove requests on one connection run concurrently). */
  gate?: Promise<void>;
}

export function createTestService(initial: Status = ADA_STATUS): TestService {
  const listeners = new Set<(s: Status) => void>();
  let waiter: { resolve(s: Status): void; reject(e: Error): void } | undefined;
  const record = (method: string, params: unknown, ctx: CallContext) =>
    svc.calls.push({ method, params, ctx });
  const svc: TestService = {
    status: initial,
    calls: [],
    setStatus(status) {
      svc.status = status;
      for (const l of listeners) l(status);
    },
    finishSignIn(outcome) {
      const w = waiter;
      waiter = undefined;
      if (!w) return;
      if (outcome instanceof KeybridgeError) {
        w.reject(outcome);
      } else {
        svc.setStatus(outcome);
        w.resolve(outcome);
      }
    },
    listeners: () => listeners.size,
    onStatus(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async hello(params, ctx) {
      record('hello', params, ctx);
      return { protocol: 1, server: { name: 'keybridge-test', version: '9.9.9' } };
    },
    async 'status.get'(params, ctx) {
      record('status.get', params, ctx);
      if (svc.gate) await svc.gate;
      return svc.status;
    },
    async 'credentials.get'(params, ctx) {
      record('credentials.get', params, ctx);
      if (svc.status.state !== 'signedIn') {
        throw new KeybridgeError(
          'not_signed_in',
          'Not signed in. Sign in from the Keybridge tray or run `keybridge login`.',
        );
      }
      const creds: Credentials = {
        accessToken: TEST_ACCESS_TOKEN,
        tokenType: 'Bearer',
        expiresAt: svc.status.expiresAt ?? new Date().toISOString(),
        accountId: svc.status.account?.accountId ?? null,
        planType: svc.status.account?.planType ?? null,
      };
      return creds;
    },
    async 'auth.login'(params, ctx) {
      record('auth.login', params, ctx);
      svc.setStatus({ ...SIGNED_OUT, state: 'signingIn' });
      return {
        url: 'https://auth.example.test/oauth/authorize?state=abc',
        redirectUri: 'http://localhost:1455/auth/callback',
      };
    },
    'auth.wait'(params, ctx) {
      record('auth.wait', params, ctx);
      return new Promise<Status>((resolve, reject) => {
        waiter = { resolve, reject };
      });
    },
    async 'auth.cancel'(params, ctx) {
      record('auth.cancel', params, ctx);
      const had = waiter !== undefined;
      svc.finishSignIn(new KeybridgeError('sign_in_cancelled', 'Sign-in cancelled.'));
      svc.setStatus(SIGNED_OUT);
      return { cancelled: had };
    },
    async 'auth.openUrl'(params, ctx) {
      record('auth.openUrl', params, ctx);
      if (!params.url.includes('code=')) {
        throw new KeybridgeError(
          'invalid_redirect_url',
          'That URL is not a sign-in redirect: it has no code.',
        );
      }
      svc.setStatus(ADA_STATUS);
      return svc.status;
    },
    async 'auth.logout'(params, ctx) {
      record('auth.logout', params, ctx);
      svc.setStatus(SIGNED_OUT);
      return { revoked: true, signedOut: ['acc-ada'] };
    },
    async 'accounts.list'(params, ctx) {
      record('accounts.list', params, ctx);
      return accountListFor(svc.status);
    },
    async 'accounts.switch'(params, ctx) {
      record('accounts.switch', params, ctx);
      return accountListFor(svc.status, { pinned: params.pin === true });
    },
    async 'accounts.setAutoSwitch'(params, ctx) {
      record('accounts.setAutoSwitch', params, ctx);
      return accountListFor(svc.status, { autoSwitch: params.enabled });
    },
    async 'accounts.setPinned'(params, ctx) {
      record('accounts.setPinned', params, ctx);
      return accountListFor(svc.status, { pinned: params.pinned });
    },
    async 'models.list'(params, ctx) {
      record('models.list', params, ctx);
      return sampleModelList(svc.status.selectedModel ?? null);
    },
    async 'models.select'(params, ctx) {
      record('models.select', params, ctx);
      svc.setStatus({ ...svc.status, selectedModel: params.slug });
      return sampleModelList(params.slug);
    },
    async 'usage.get'(params, ctx) {
      record('usage.get', params, ctx);
      return sampleUsage();
    },
    ...toolMethodStubs(record, () => ({
      accessToken: TEST_ACCESS_TOKEN,
      tokenType: 'Bearer',
      expiresAt: svc.status.expiresAt ?? new Date().toISOString(),
      accountId: svc.status.account?.accountId ?? null,
      planType: svc.status.account?.planType ?? null,
    })),
  };
  return svc;
}

export async function tempDir(prefix = 'kb-broker-'): Promise<{ dir: string; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A raw connection: write bytes, read parsed lines. */
export interface RawConnection {
  socket: net.Socket;
  send(value: unknown): void;
  write(bytes: string | Buffer): void;
  /** The next message the server sends (waits up to `timeoutMs`). */
  next(timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Waits for the message answering `id`. */
  response(id: string | number | null, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Resolves when the server closes the connection. */
  closed: Promise<void>;
  close(): void;
}

export function rawConnect(path: string): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(path);
    const queue: Record<string, unknown>[] = [];
    const waiters: Array<() => void> = [];
    let buffer = '';
    let resolveClosed!: () => void;
    const closed = new Promise<void>((r) => (resolveClosed = r));
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      buffer += text;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        queue.push(JSON.parse(line) as Record<string, unknown>);
      }
      for (const w of waiters.splice(0)) w();
    });
    socket.on('close', () => {
      resolveClosed();
      for (const w of waiters.splice(0)) w();
    });
    socket.on('error', () => {});
    socket.once('error', reject);
    const waitFor = async (pick: (m: Record<string, unknown>) => boolean, timeoutMs: number) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const i = queue.findIndex(pick);
        if (i !== -1) return queue.splice(i, 1)[0]!;
        if (socket.destroyed) throw new Error('connection closed before the expected message');
        const left = deadline - Date.now();
        if (left <= 0) throw new Error('timed out waiting for a message');
        await new Promise<void>((r) => {
          const t = setTimeout(r, left);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    };
    socket.once('connect', () =>
      resolve({
        socket,
        send: (value) => socket.write(JSON.stringify(value) + '\n'),
        write: (bytes) => socket.write(bytes),
        next: (timeoutMs = 3000) => waitFor(() => true, timeoutMs),
        response: (id, timeoutMs = 3000) => waitFor((m) => 'id' in m && m.id === id, timeoutMs),
        closed,
        close: () => socket.destroy(),
      }),
    );
  });
}

/** Connects and completes hello. */
export async function greetedConnect(path: string, name = 'test-tool'): Promise<RawConnection> {
  const conn = await rawConnect(path);
  conn.send({ jsonrpc: '2.0', id: 'hello', method: 'hello', params: { protocol: 1, client: { name } } });
  const answer = await conn.response('hello');
  if (!('result' in answer)) throw new Error(`hello failed: ${JSON.stringify(answer)}`);
  return conn;
}

/** A real process listens on `path` and is SIGKILLed, leaving its socket file behind as a crashed host would. */
export async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(process.execPath, [
    '-e',
    `require('net').createServer().listen(${JSON.stringify(path)}, () => console.log('up'))`,
  ]);
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  child.kill('SIGKILL');
  await new Promise((resolve) => child.once('exit', resolve));
}
