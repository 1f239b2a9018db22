/**
 * `keybridge serve --ui` as a user runs it: the real built CLI in a child process, with its own data folder,
 * broker socket and loopback port (test/support/host.ts makeHostEnv). The UI link is read from stderr, the
 * one place the host prints it ("Open the Keybridge UI: http://127.0.0.1:PORT/#token=…").
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { BIN, cli, makeHostEnv, removeHome, type CliResult, type HostEnv } from '../../test/support/host';

const UI_LINE = /^Open the Keybridge UI: (http:\/\/\S+)$/m;

export interface UiHost {
  h: HostEnv;
  /** The printed one-time link. */
  url: string;
  /** Everything the host wrote to stdout and stderr so far. */
  output(): string;
  /** Runs `keybridge ARGS…` against this host (same data folder and socket). */
  cli(...args: string[]): Promise<CliResult>;
  /** SIGTERM, then waits for the exit; resolves with the exit code. Idempotent. */
  stop(): Promise<number | null>;
}

/** `keybridge serve --ui` on an existing data folder; `stop()` leaves the folder for a restart. */
export async function serveUi(h: HostEnv, timeoutMs = 20_000): Promise<UiHost> {
  const child = spawn(process.execPath, [BIN, 'serve', '--ui'], {
    env: h.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));

  let stopping: Promise<number | null> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(kill);
      return code;
    })());

  const deadline = Date.now() + timeoutMs;
  let url: string | undefined;
  while (!(url = UI_LINE.exec(out)?.[1]) || !existsSync(h.socket)) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`keybridge serve --ui exited with ${child.exitCode}:\n${out}`);
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await stop();
      throw new Error(`keybridge serve --ui printed no UI link within ${timeoutMs} ms:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { h, url, output: () => out, cli: (...args) => cli(h, ...args), stop };
}

/** A fresh data folder and `keybridge serve --ui` on it; `stop()` also removes the folder. */
export async function startUiHost(
  issuer: string,
  clientId: string,
  extraEnv: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<UiHost> {
  const h = await makeHostEnv(issuer, clientId, extraEnv);
  const host = await serveUi(h, timeoutMs).catch(async (e: unknown) => {
    await removeHome(h);
    throw e;
  });
  let removed: Promise<number | null> | undefined;
  const stop = () =>
    (removed ??= host.stop().then(async (code) => {
      await removeHome(h);
      return code;
    }));
  return { ...host, stop };
}
