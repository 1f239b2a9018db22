/**
 * Shared bench plumbing: a real `keybridge serve` host (the built bin, as a user runs it) signed in at a real
 * oidc-provider over HTTP, plus statistics and /proc readers.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
export const BIN = join(ROOT, 'bin', 'keybridge.cjs');

/** The bundled test support (bench/build.mjs). */
export async function support() {
  return import(join(ROOT, 'node_modules', '.cache', 'keybridge-bench', 'support.mjs'));
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Runs the CLI to completion; resolves {code, stdout, stderr}. */
export function runCli(env, args, { onStdout } = {}) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      onStdout?.(stdout);
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Starts an oidc server (unless given one), a host in a fresh data folder, and signs it in over HTTP.
 * Returns {oidc, env, socket, home, pid, output(), stop()}.
 */
export async function startSignedInHost({
  oidc,
  ttlSeconds = 3600,
  login = 'bench@example.com',
  env: extraEnv = {},
  nodeArgs = [],
} = {}) {
  const { startOidcServer, signInOverHttp } = await support();
  const ownOidc = !oidc;
  oidc ??= await startOidcServer({ accessTokenTtlSeconds: ttlSeconds });
  const home = await mkdtemp(join(tmpdir(), 'kb-bench-'));
  const socket = join(home, 'run', 'broker.sock');
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: home,
    KEYBRIDGE_HOME: home,
    KEYBRIDGE_SOCKET: socket,
    KEYBRIDGE_ISSUER: oidc.issuer,
    KEYBRIDGE_CLIENT_ID: oidc.clientId,
    KEYBRIDGE_LOOPBACK_PORT: String(await freePort()),
    KEYBRIDGE_CIPHER: 'file-key',
    // No request of the host may leave the machine: the ChatGPT backend is the local oidc server (which
    // answers 404 there), not chatgpt.com.
    KEYBRIDGE_CHATGPT_BASE: `${oidc.issuer}/backend-api`,
    ...extraEnv,
  };
  const child = spawn(process.execPath, [...nodeArgs, BIN, 'serve'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise((r) => child.on('exit', r));
  const deadline = Date.now() + 15_000;
  while (!existsSync(socket) || !/serving/i.test(out)) {
    if (child.exitCode !== null) throw new Error(`keybridge serve exited:\n${out}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`keybridge serve did not start:\n${out}`);
    }
    await sleep(25);
  }
  let url;
  const login$ = runCli(env, ['login', '--no-browser'], {
    onStdout: (s) => {
      const m = /^https?:\/\/\S+/m.exec(s);
      if (m && !url) {
        url = m[0];
        signInOverHttp(url, login).catch((e) => console.error(`bench: sign-in failed: ${e.message}`));
      }
    },
  });
  const result = await login$;
  let stopped;
  if (result.code !== 0) throw new Error(`bench: keybridge login failed: ${result.stderr}`);
  return {
    oidc,
    env,
    socket,
    home,
    pid: child.pid,
    output: () => out,
    stop() {
      stopped ??= (async () => {
        if (child.exitCode === null) child.kill('SIGTERM');
        await exited;
        await rm(home, { recursive: true, force: true });
        if (ownOidc) await oidc.close();
      })();
      return stopped;
    },
  };
}

export function median(xs) {
  return percentile(xs, 50);
}

export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}

const CLK_TCK = 100; // USER_HZ on Linux

/** CPU time (ms), voluntary/involuntary context switches of every thread, and RSS (bytes) of `pid`. */
export function procSample(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) * 1024;
  const threads = {};
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const s = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
      const name = /Name:\s+(.*)/.exec(s)?.[1] ?? '?';
      const v = Number(/voluntary_ctxt_switches:\s+(\d+)/.exec(s)?.[1] ?? 0);
      const nv = Number(/nonvoluntary_ctxt_switches:\s+(\d+)/.exec(s)?.[1] ?? 0);
      threads[tid] = { name, switches: v + nv };
    } catch {
      // the thread ended
    }
  }
  return { cpuMs, rss, threads };
}
