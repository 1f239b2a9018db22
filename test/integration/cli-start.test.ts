/**
 * What keeps `keybridge token` within 1.3× of a bare `node -e 0` (docs/design.md "Quality bars"; measured by
 * `npm run bench`), and that none of it changes what the command does:
 * - a bare `keybridge token` is answered by the bin itself in one round trip (hello and the call in one
 *   write, before any answer), and hands anything but success over to the full CLI;
 * - the full CLI pipelines hello with its first call too, and loads from V8's code cache;
 * - stdout is written without a stream, and a reader that goes away is not an error.
 * Runs the real bin against a scripted broker on a Unix socket, so what the host would see is on the record.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveBrokerEndpoint, type Env } from '../../core/paths';
import { BIN, ROOT } from '../support/host';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';

interface Request {
  id: number;
  method: string;
  params?: Record<string, unknown>;
}
/** What the scripted broker answers a request with (undefined: nothing, for now). */
type Answer = { result: unknown } | { error: { code: number; message: string; data?: unknown } };

let dir: string;
let server: net.Server;
/** Per connection, every chunk it sent and whether anything had been answered when it came. */
let connections: Array<Array<{ text: string; answeredBefore: boolean }>>;
let answer: (req: Request, connection: number, socket: net.Socket) => Answer | undefined;

const credentials = { accessToken: TOKEN, tokenType: 'Bearer', expiresAt: new Date().toISOString() };
const defaultAnswer = (req: Request): Answer =>
  req.method === 'hello'
    ? { result: { protocol: 1, server: { name: 'scripted', version: '0' } } }
    : { result: credentials };

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-cli-start-'));
  connections = [];
  answer = defaultAnswer;
  server = net.createServer((socket) => {
    const chunks: Array<{ text: string; answeredBefore: boolean }> = [];
    const index = connections.push(chunks) - 1;
    let answered = false;
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('error', () => {});
    socket.on('data', (text: string) => {
      chunks.push({ text, answeredBefore: answered });
      buf += text;
      let nl;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const req = JSON.parse(buf.slice(0, nl)) as Request;
        buf = buf.slice(nl + 1);
        const a = answer(req, index, socket);
        if (!a) continue;
        answered = true;
        socket.write(JSON.stringify({ jsonrpc: '2.0', id: req.id, ...a }) + '\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(join(dir, 'broker.sock'), resolve));
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

/** Runs `keybridge token …`, its stdout piped into the shell command `pipeTo` when given (exit code: ours). */
function token(args: string[] = [], pipeTo?: string) {
  const env = { PATH: process.env.PATH ?? '', KEYBRIDGE_SOCKET: join(dir, 'broker.sock'), HOME: dir };
  const command = pipeTo
    ? spawn(
        'bash',
        ['-c', `set -o pipefail; "${process.execPath}" "${BIN}" token ${args.join(' ')} | ${pipeTo}`],
        {
          env,
        },
      )
    : spawn(process.execPath, [BIN, 'token', ...args], { env });
  let stdout = '';
  let stderr = '';
  command.stdout.on('data', (d) => (stdout += d));
  command.stderr.on('data', (d) => (stderr += d));
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    command.on('close', (code) => resolve({ code, stdout, stderr })),
  );
}

function methodsOf(text: string): string[] {
  return text
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as Request).method);
}

describe('keybridge token start-up', () => {
  it.each([
    ['bare (answered by the bin)', []],
    ['with options (the full CLI)', ['--min-ttl', '60']],
  ])('%s: hello and credentials.get in one write, before any answer', async (_name, args) => {
    const r = await token(args);
    expect(r).toMatchObject({ code: 0, stdout: `${TOKEN}\n`, stderr: '' });
    expect(connections).toHaveLength(1);
    expect(connections[0]).toHaveLength(1);
    expect(connections[0]![0]!.answeredBefore).toBe(false);
    expect(methodsOf(connections[0]![0]!.text)).toEqual(['hello', 'credentials.get']);
  });

  it('reports an error answer as the full CLI does: its message, exit 4 when not signed in', async () => {
    answer = (req) =>
      req.method === 'hello'
        ? defaultAnswer(req)
        : {
            error: {
              code: -32001,
              message: 'Not signed in. Run `keybridge login`.',
              data: { code: 'not_signed_in' },
            },
          };
    const r = await token();
    expect(r).toMatchObject({ code: 4, stdout: '', stderr: 'Not signed in. Run `keybridge login`.\n' });
    // And exit 1 for other errors; the same with the full CLI (options make the bin hand over).
    answer = (req) =>
      req.method === 'hello'
        ? defaultAnswer(req)
        : { error: { code: -32005, message: 'Could not refresh.', data: { reloginRequired: false } } };
    for (const args of [[], ['--min-ttl', '60']]) {
      expect(await token(args)).toMatchObject({ code: 1, stdout: '', stderr: 'Could not refresh.\n' });
    }
  });

  it('hands over to the full CLI when no host answers, which says so', async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const r = await token();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Keybridge is not running \(no broker at .*broker\.sock\)/);
    server = net.createServer().listen(join(dir, 'other.sock')); // for afterEach
  });

  it('says when it waits for the user to approve it, then prints the token once allowed', async () => {
    answer = (req, _connection, socket) => {
      if (req.method === 'hello') return defaultAnswer(req);
      const notice = { jsonrpc: '2.0', method: 'approval.pending', params: { name: 'keybridge-cli' } };
      socket.write(JSON.stringify(notice) + '\n');
      const allowed = { jsonrpc: '2.0', id: req.id, result: credentials };
      setTimeout(() => socket.write(JSON.stringify(allowed) + '\n'), 100);
      return undefined;
    };
    const r = await token();
    expect(r).toMatchObject({ code: 0, stdout: `${TOKEN}\n` });
    expect(r.stderr).toBe(
      'Keybridge is asking whether keybridge-cli may use your OpenAI session: answer Allow or Deny there.\n',
    );
    expect(connections).toHaveLength(1);
  });

  it('finds the broker where the full CLI finds it (core/paths.ts)', async () => {
    const { brokerEndpoint } = createRequire(import.meta.url)(BIN) as {
      brokerEndpoint(env: Env, platform: NodeJS.Platform): string;
    };
    const withConfig = join(dir, 'with-config');
    await mkdir(withConfig);
    await writeFile(
      join(withConfig, 'config.json'),
      JSON.stringify({ KEYBRIDGE_SOCKET: '/tmp/from-config.sock' }),
    );
    const cases: Env[] = [
      { KEYBRIDGE_SOCKET: '/tmp/explicit.sock', KEYBRIDGE_HOME: withConfig },
      { KEYBRIDGE_HOME: withConfig },
      { KEYBRIDGE_HOME: join(dir, 'no-config') },
      { KEYBRIDGE_HOME: join(dir, 'no-config'), XDG_RUNTIME_DIR: '/run/user/1000' },
      { HOME: '/home/ada' },
      { HOME: '/home/ada', XDG_CONFIG_HOME: '/home/ada/.cfg' },
      { HOME: '/home/ada', XDG_RUNTIME_DIR: '/run/user/1000' },
      { KEYBRIDGE_SOCKET: '', HOME: '/home/ada' },
      {},
    ];
    for (const platform of ['linux', 'darwin', 'freebsd'] as const) {
      for (const env of cases)
        expect(brokerEndpoint(env, platform)).toBe(resolveBrokerEndpoint(env, platform));
    }
  });

  it('the full CLI loads from a code cache keyed to the bundle it was made from', async () => {
    await token(['--json']);
    expect(JSON.parse((await token(['--json'])).stdout)).toMatchObject({ accessToken: TOKEN });
    const bundle = join(ROOT, 'dist', 'keybridge.cjs');
    const st = statSync(bundle);
    const cache = readFileSync(`${bundle}.cache`);
    const key = cache.subarray(0, cache.indexOf(0x0a)).toString();
    expect(key).toBe(`keybridge-cli ${process.version} ${st.size} ${st.mtimeMs}`);
    expect(cache.length).toBeGreaterThan(key.length + 1000);
  });

  it.each([
    ['bare', []],
    ['--json', ['--json']],
  ])('%s: a reader that goes away early is not an error', async (_name, args) => {
    const cut = await token(args, 'head -c 5');
    expect(cut).toMatchObject({ code: 0, stderr: '' });
    expect(cut.stdout).toHaveLength(5);
    // A reader that closed before anything was written: the write fails with EPIPE, quietly.
    const gone = await token(args, '(exec 0<&-; sleep 0.5)');
    expect(gone).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});
