/**
 * Runs the real `keybridge` CLI and `keybridge serve` host as child processes, the way a user would,
 * each with its own data folder, socket and loopback port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'keybridge.cjs');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface HostEnv {
  home: string;
  socket: string;
  env: Record<string, string>;
}

/** A fresh data folder and environment pointing Keybridge at the given issuer. */
export async function makeHostEnv(
  issuer: string,
  clientId: string,
  extra: Record<string, string> = {},
): Promise<HostEnv> {
  const home = await mkdtemp(join(tmpdir(), 'kb-home-'));
  const socket = join(home, 'run', 'broker.sock');
  const port = await freePort();
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    KEYBRIDGE_HOME: home,
    KEYBRIDGE_SOCKET: socket,
    KEYBRIDGE_ISSUER: issuer,
    KEYBRIDGE_CLIENT_ID: clientId,
    KEYBRIDGE_LOOPBACK_PORT: String(port),
    KEYBRIDGE_CIPHER: 'file-key',
    // Never the real chatgpt.com from a test: port 9 is one fetch refuses to connect to ("bad port"), so
    // requests fail at once without a packet sent.
    // Tests of models and usage pass the stand-in's base (test/support/chatgpt-server.ts) in `extra`.
    KEYBRIDGE_CHATGPT_BASE: 'http://127.0.0.1:9/backend-api',
    ...extra,
  };
  return { home, socket, env };
}

export function runCli(
  h: HostEnv,
  args: string[],
  opts: { timeoutMs?: number; env?: Record<string, string> } = {},
) {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...h.env, ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((res) => {
    const t = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
  });
  return {
    child,
    done,
    /** Resolves with the first stdout line matching `re`. */
    waitForStdout: (re: RegExp) =>
      new Promise<string>((res, rej) => {
        const check = () => {
          const m = stdout.split('\n').find((l) => re.test(l));
          if (m) {
            child.stdout.off('data', check);
            res(m.trim());
          }
        };
        child.stdout.on('data', check);
        child.on('close', () => rej(new Error(`CLI exited before printing ${re}: ${stderr}`)));
        check();
      }),
  };
}

export async function cli(h: HostEnv, ...args: string[]): Promise<CliResult> {
  return runCli(h, args).done;
}

export interface RunningHost {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `keybridge serve` and waits until its broker socket answers. */
export async function startHost(h: HostEnv, args: string[] = []): Promise<RunningHost> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {
    env: h.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const deadline = Date.now() + 15_000;
  while (!existsSync(h.socket) || !/serving/i.test(out)) {
    if (child.exitCode !== null) throw new Error(`keybridge serve exited with ${child.exitCode}:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`keybridge serve did not start:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    output: () => out,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function removeHome(h: HostEnv): Promise<void> {
  await rm(h.home, { recursive: true, force: true });
}
