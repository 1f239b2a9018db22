/**
 * Test side of the Electron stand-in: bundles register.ts (with electron.ts) once, then starts the BUILT
 * dist/electron/main.cjs in a Node child process with the stand-in as `electron`, and drives it over the
 * fork() IPC channel (commands in register.ts).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { ROOT } from '../host';
import type { StandInCommand, StandInSnapshot } from './register';

export const MAIN_BUNDLE = join(ROOT, 'dist', 'electron', 'main.cjs');

let bundled: Promise<string> | undefined;

/** Bundles the stand-in into a temp folder (once per test file). */
export function standInBundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kb-electron-stand-in-'));
    const outfile = join(dir, 'register.cjs');
    await esbuild.build({
      entryPoints: [join(ROOT, 'test', 'support', 'electron-stand-in', 'register.ts')],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      logLevel: 'warning',
    });
    return outfile;
  })();
  return bundled;
}

export interface ShellProcess {
  child: ChildProcess;
  /** Everything the app wrote to stderr (its log) so far. */
  stderr(): string;
  send(command: StandInCommand): Promise<unknown>;
  snapshot(): Promise<StandInSnapshot>;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
}

/** Starts dist/electron/main.cjs with `args` as its command line after the app folder. */
export async function startShell(env: Record<string, string>, args: string[] = []): Promise<ShellProcess> {
  if (!existsSync(MAIN_BUNDLE)) {
    throw new Error(`${MAIN_BUNDLE} is missing: run \`npm run build:electron\` (npm test does) first`);
  }
  const register = await standInBundle();
  const child = fork(MAIN_BUNDLE, args, {
    cwd: ROOT,
    execArgv: ['--require', register],
    env: { ...env, STAND_IN_APP_PATH: ROOT },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let nextId = 1;
  const waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (raw) => {
    const m = raw as { id: number; ok: boolean; result?: unknown; error?: string };
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.result);
    else w.reject(new Error(m.error));
  });
  void exited.then(() => {
    for (const w of waiting.values()) w.reject(new Error(`the app exited; stderr:\n${stderr}`));
    waiting.clear();
  });
  const send = (command: StandInCommand) =>
    new Promise<unknown>((resolve, reject) => {
      if (child.exitCode !== null || !child.connected) {
        reject(new Error(`the app is not running; stderr:\n${stderr}`));
        return;
      }
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      child.send({ id, command });
    });
  return {
    child,
    stderr: () => stderr,
    send,
    snapshot: async () => (await send({ op: 'snapshot' })) as StandInSnapshot,
    exited,
  };
}
