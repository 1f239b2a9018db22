/**
 * The test oidc-server in a child process whose clock is `skewMs` off from this machine's: it issues tokens
 * whose `iat`/`exp` (and the id_token's) are in its own time, exactly as a server would when the local
 * clock is wrong. Bundled with esbuild on first use (node_modules stay external, resolved from the repo).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';
import { ROOT } from '../support/host';
import type { OidcServerOptions } from '../support/oidc-server';

const CHILD = `
const skew = Number(process.env.KB_SKEW_MS);
const RealDate = Date;
class SkewedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + skew);
    else super(...args);
  }
  static now() {
    return RealDate.now() + skew;
  }
}
globalThis.Date = SkewedDate;
const { startOidcServer } = await import(process.env.KB_BUNDLE);
const server = await startOidcServer(JSON.parse(process.env.KB_OPTS));
process.stdout.write(JSON.stringify({ issuer: server.issuer, clientId: server.clientId }) + '\\n');
process.stdin.on('data', () => process.stdout.write(JSON.stringify(server.stats) + '\\n'));
process.stdin.on('end', () => server.close().then(() => process.exit(0)));
`;

export interface SkewedOidcServer {
  issuer: string;
  clientId: string;
  stats(): Promise<{ refreshGrants: number; codeGrants: number; tokenRequests: number }>;
  close(): Promise<void>;
}

let bundled: Promise<string> | undefined;

function bundle(): Promise<string> {
  bundled ??= (async () => {
    const dir = join(ROOT, 'node_modules', '.cache', 'keybridge-tests');
    await mkdir(dir, { recursive: true });
    // Built beside a temp name, then renamed: test files running at once each get a whole file.
    const outfile = join(dir, 'oidc-server.mjs');
    const temp = join(dir, `oidc-server.${process.pid}.tmp.mjs`);
    await build({
      entryPoints: [join(ROOT, 'test', 'support', 'oidc-server.ts')],
      outfile: temp,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
    });
    await rename(temp, outfile);
    return outfile;
  })();
  return bundled;
}

export async function startSkewedOidcServer(
  skewMs: number,
  opts: OidcServerOptions = {},
): Promise<SkewedOidcServer> {
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    env: {
      ...process.env,
      KB_SKEW_MS: String(skewMs),
      KB_BUNDLE: await bundle(),
      KB_OPTS: JSON.stringify(opts),
    },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const queue: Array<(line: string) => void> = [];
  lines.on('line', (line) => queue.shift()?.(line));
  const next = () => new Promise<string>((resolve) => queue.push(resolve));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const first = await Promise.race([next(), exited.then(() => undefined)]);
  if (!first) throw new Error('the skewed oidc server did not start');
  const { issuer, clientId } = JSON.parse(first) as { issuer: string; clientId: string };
  return {
    issuer,
    clientId,
    async stats() {
      const answer = next();
      child.stdin!.write('stats\n');
      return JSON.parse(await answer);
    },
    async close() {
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}
