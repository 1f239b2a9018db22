/**
 * What keeps `keybridge token` within 1.3× of a bare `node -e 0` (PRODUCT.md §7; measured by `npm run bench`):
 * one round trip (hello and the call leave together, before any answer), the CLI loaded from V8's code cache,
 * stdout written without a stream — and none of it at the cost of correct output. Runs the real bin against a
 * scripted broker on a Unix socket, so what the host would see is on the record.
 */
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../support/host';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';

let dir: string;
let server: net.Server;
/** Every chunk each connection sent, in order, and whether we had answered anything when it came. */
let chunks: Array<{ text: string; answeredBefore: boolean }>;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'kb-cli-start-'));
  chunks = [];
  server = net.createServer((socket) => {
    let answered = false;
    let buf = '';
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      chunks.push({ text, answeredBefore: answered });
      buf += text;
      let nl;
      while ((nl = buf.indexOf('\n')) !== -1) {
        const msg = JSON.parse(buf.slice(0, nl)) as { id: number; method: string };
        buf = buf.slice(nl + 1);
        const result =
          msg.method === 'hello'
            ? { protocol: 1, server: { name: 'scripted', version: '0' } }
            : { accessToken: TOKEN, tokenType: 'Bearer', expiresAt: new Date().toISOString() };
        answered = true;
        socket.write(JSON.stringify({ jsonrpc: '2.0', id: msg.id, result }) + '\n');
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(join(dir, 'broker.sock'), resolve));
});

afterEach(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

/** Runs `keybridge token`, its stdout piped into the shell command `pipeTo` when given (exit code: ours). */
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

describe('keybridge token start-up', () => {
  it('sends hello and credentials.get in one write, before any answer: one round trip', async () => {
    const r = await token();
    expect(r).toMatchObject({ code: 0, stdout: `${TOKEN}\n`, stderr: '' });
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.answeredBefore).toBe(false);
    const lines = chunks[0]!.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { method: string });
    expect(lines.map((l) => l.method)).toEqual(['hello', 'credentials.get']);
  });

  it('loads the CLI from a code cache keyed to the bundle it was made from', async () => {
    await token();
    expect((await token()).stdout).toBe(`${TOKEN}\n`);
    const bundle = join(ROOT, 'dist', 'keybridge.cjs');
    const st = statSync(bundle);
    const cache = readFileSync(`${bundle}.cache`);
    const key = cache.subarray(0, cache.indexOf(0x0a)).toString();
    expect(key).toBe(`keybridge-cli ${process.version} ${st.size} ${st.mtimeMs}`);
    expect(cache.length).toBeGreaterThan(key.length + 1000);
  });

  it('writes stdout without a stream, and a reader that goes away early is not an error', async () => {
    const r = await token(['--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ accessToken: TOKEN, tokenType: 'Bearer' });
    const cut = await token([], 'head -c 5');
    expect(cut).toMatchObject({ code: 0, stdout: TOKEN.slice(0, 5), stderr: '' });
    // A reader that closed before anything was written: the write fails with EPIPE, quietly.
    const gone = await token([], '(exec 0<&-; sleep 0.5)');
    expect(gone).toMatchObject({ code: 0, stdout: '', stderr: '' });
  });
});
