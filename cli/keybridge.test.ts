/**
 * The real `keybridge` command (bin/keybridge.cjs → dist/keybridge.cjs, as built by scripts/build-node.mjs)
 * run as a child process against a broker started here over a real Unix socket, with a small in-test Service.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFile, mkdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBroker, type Broker } from '../core/broker/server';
import {
  ADA_STATUS,
  createTestService,
  SIGNED_OUT,
  TEST_ACCESS_TOKEN,
  tempDir,
  type TestService,
} from '../test/support/broker-harness';
import { KeybridgeError } from '../core/errors';

const root = join(__dirname, '..');
const bin = join(root, 'bin', 'keybridge.cjs');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let tmp: Awaited<ReturnType<typeof tempDir>>;
let service: TestService;
let broker: Broker;
let socketPath: string;

beforeAll(() => {
  // Build as `npm install` would (the host bundle may still be missing while the core is in progress; the CLI
  // bundle is what these tests need).
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'build-node.mjs')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, npm_lifecycle_event: 'prepare' },
  });
  if (!existsSync(join(root, 'dist', 'keybridge.cjs'))) throw new Error(`CLI build failed:\n${r.stderr}`);
});

beforeEach(async () => {
  tmp = await tempDir('kb-cli-');
  service = createTestService();
  socketPath = join(tmp.dir, 'run', 'broker.sock');
  broker = await startBroker({ socketPath, service });
});
afterEach(async () => {
  await broker.close();
  await tmp.cleanup();
});

function cli(
  args: string[],
  opts: { socket?: string; onSpawn?: (child: ReturnType<typeof spawn>) => void; binPath?: string } = {},
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [opts.binPath ?? bin, ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: tmp.dir,
        KEYBRIDGE_HOME: join(tmp.dir, 'home'),
        KEYBRIDGE_SOCKET: opts.socket ?? socketPath,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (stdout += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    opts.onSpawn?.(child);
  });
}

const called = (method: string) => service.calls.some((c) => c.method === method);

describe('keybridge status', () => {
  it('--json prints the status object and exits 0 when signed in', async () => {
    const r = await cli(['status', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(ADA_STATUS);
    expect(r.stderr).toBe('');
    expect(service.calls[0]).toMatchObject({
      method: 'hello',
      params: { protocol: 1, client: { name: 'keybridge-cli' } },
    });
  });

  it('prints one line per fact for people', async () => {
    // Expiry counted from now, not from when the fixtures were loaded (a slow machine takes minutes to get here).
    service.status = { ...ADA_STATUS, expiresAt: new Date(Date.now() + 52 * 60_000 + 30_000).toISOString() };
    const r = await cli(['status']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('Signed in as ada@example.com · Plus · token valid for 52 min');
    expect(lines).toContain('Account: acct-123');
    expect(lines).toContain('Storage: file key in the data folder');
    expect(r.stdout).not.toContain(TEST_ACCESS_TOKEN);
  });

  it('shows what the host relays inert: escapes cannot clear the terminal or forge a line', async () => {
    // An email (from the id_token) and a model name (from the ChatGPT backend) are outside text.
    service.status = {
      ...ADA_STATUS,
      account: { ...ADA_STATUS.account!, email: 'ada@example.com\x1b[2J\nStorage: forged\u202e' },
      selectedModel: 'gpt\x07-5',
    };
    const r = await cli(['status']);
    expect(r.code).toBe(0);
    for (const raw of ['\x07', '\x1b', '\u202e']) expect(r.stdout).not.toContain(raw);
    expect(r.stdout.split('\n')[0]).toBe(
      'Signed in as ada@example.com\\x1b[2J\\x0aStorage: forged\\u{202e} · Plus · ' +
        r.stdout.split('\n')[0]!.split(' · ').pop(),
    );
    expect(r.stdout).toContain('Default model: gpt\\x07-5');
    expect(r.stdout.match(/^Storage: /gm)).toEqual(['Storage: ']);
  });

  it('exits 4 when not signed in (signed out, expired, signing in) and 1 in the error state', async () => {
    service.status = SIGNED_OUT;
    const out = await cli(['status']);
    expect(out).toMatchObject({
      code: 4,
      stdout: expect.stringContaining('Not signed in. Run `keybridge login`'),
    });
    service.status = {
      ...SIGNED_OUT,
      state: 'expired',
      lastError: { code: 'relogin_required', message: 'Sign in again.' },
    };
    expect((await cli(['status', '--json'])).code).toBe(4);
    service.status = { ...SIGNED_OUT, state: 'signingIn' };
    expect((await cli(['status'])).code).toBe(4);
    service.status = {
      ...SIGNED_OUT,
      state: 'error',
      lastError: { code: 'vault_unreadable', message: 'The vault is damaged.' },
    };
    const err = await cli(['status']);
    expect(err.code).toBe(1);
    expect(err.stdout).toContain('Last error: The vault is damaged.');
  });

  it('exits 1 with a clear message when the host is not running', async () => {
    const missing = join(tmp.dir, 'nobody.sock');
    const r = await cli(['status'], { socket: missing });
    expect(r).toEqual({
      code: 1,
      stdout: '',
      stderr: `Keybridge is not running (no broker at ${missing}). Start it with \`keybridge serve\` or open the app.\n`,
    });
  });
});

describe('keybridge token', () => {
  it('prints only the access token', async () => {
    const r = await cli(['token']);
    expect(r).toEqual({ code: 0, stdout: `${TEST_ACCESS_TOKEN}\n`, stderr: '' });
  });

  it('--json prints the credentials object; --min-ttl reaches the host', async () => {
    const r = await cli(['token', '--json', '--min-ttl', '120']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      accessToken: TEST_ACCESS_TOKEN,
      tokenType: 'Bearer',
      expiresAt: ADA_STATUS.expiresAt,
      accountId: 'acct-123',
      planType: 'plus',
    });
    expect(service.calls.find((c) => c.method === 'credentials.get')?.params).toEqual({ minTtlSeconds: 120 });
  });

  it('exits 4 with the message on stderr when not signed in', async () => {
    service.status = SIGNED_OUT;
    const r = await cli(['token']);
    expect(r.code).toBe(4);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Not signed in');
  });
});

describe('usage', () => {
  it.each([
    [['frobnicate']],
    [['status', '--jsn']],
    [['token', '--min-ttl', 'soon']],
    [['token', '--min-ttl']],
    [['open-url']],
    [['logout', 'extra']],
    [['--bogus']],
  ])('%j is a usage error: exit 2, usage on stderr, nothing on stdout, no connection', async (args) => {
    const r = await cli(args, { socket: join(tmp.dir, 'nobody.sock') });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('Usage: keybridge <command>');
  });

  it('--help and --version print to stdout and exit 0', async () => {
    const help = await cli(['--help']);
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('token [--min-ttl S] [--json]') });
    const version = await cli(['--version']);
    expect(version).toMatchObject({ code: 0, stdout: expect.stringMatching(/^keybridge \d+\.\d+\.\d+/) });
  });

  it('the bin says how to build when dist is missing', async () => {
    const fake = join(tmp.dir, 'pkg', 'bin');
    await mkdir(fake, { recursive: true });
    await copyFile(bin, join(fake, 'keybridge.cjs'));
    const r = await cli(['status'], { binPath: join(fake, 'keybridge.cjs') });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('npm run build:node');
  });
});

describe('keybridge login', () => {
  it('prints the URL on stdout, waits, and reports the account', async () => {
    const run = cli(['login', '--no-browser']);
    await expect.poll(() => called('auth.wait'), { timeout: 5000 }).toBe(true);
    service.finishSignIn(ADA_STATUS);
    const r = await run;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('https://auth.example.test/oauth/authorize?state=abc\n');
    expect(r.stderr).toContain('Open this URL to sign in:');
    expect(r.stderr).toContain('Waiting for the browser… (Ctrl+C to cancel)');
    expect(r.stderr).toContain('Signed in as ada@example.com (Plus)');
    // The CLI decides about the browser; the host is told not to open one.
    expect(service.calls.find((c) => c.method === 'auth.login')?.params).toEqual({ noBrowser: true });
  });

  it('exits 1 with the reason when the sign-in fails', async () => {
    const run = cli(['login', '--no-browser']);
    await expect.poll(() => called('auth.wait'), { timeout: 5000 }).toBe(true);
    service.finishSignIn(
      new KeybridgeError('missing_codex_entitlement', 'This workspace does not include Codex.'),
    );
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('This workspace does not include Codex.');
  });

  it('cancels the sign-in at the host on Ctrl+C', async () => {
    let child!: ReturnType<typeof spawn>;
    const run = cli(['login', '--no-browser'], { onSpawn: (c) => (child = c) });
    await expect.poll(() => called('auth.wait'), { timeout: 5000 }).toBe(true);
    child.kill('SIGINT');
    const r = await run;
    expect(called('auth.cancel')).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Sign-in cancelled.');
  });
});

describe('keybridge logout, open-url, watch, exec', () => {
  it('logout says the server revocation went through', async () => {
    const r = await cli(['logout']);
    expect(r).toMatchObject({ code: 0, stdout: '' });
    expect(r.stderr).toContain('revoked at the server');
    expect(service.status.state).toBe('signedOut');
  });

  it('open-url exits 0 when signed in after it, 1 with the message otherwise', async () => {
    service.status = SIGNED_OUT;
    const bad = await cli(['open-url', 'http://localhost:1455/auth/callback?state=abc']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('That URL is not a sign-in redirect');
    const good = await cli(['open-url', 'http://localhost:1455/auth/callback?code=xyz&state=abc']);
    expect(good.code).toBe(0);
    expect(good.stderr).toContain('Signed in as ada@example.com (Plus)');
  });

  it('watch prints the status and each change as NDJSON until Ctrl+C', async () => {
    let child!: ReturnType<typeof spawn>;
    let out = '';
    const run = cli(['watch'], {
      onSpawn: (c) => {
        child = c;
        c.stdout!.on('data', (t: string) => (out += t));
      },
    });
    await expect.poll(() => out.split('\n').length, { timeout: 5000 }).toBe(2);
    service.setStatus(SIGNED_OUT);
    await expect.poll(() => out.split('\n').length, { timeout: 5000 }).toBe(3);
    child.kill('SIGINT');
    const r = await run;
    expect(r.code).toBe(0);
    const events = r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { status: { state: string } });
    expect(events.map((e) => e.status.state)).toEqual(['signedIn', 'signedOut']);
  });

  it('watch exits 1 saying so when the host stops', async () => {
    let out = '';
    const run = cli(['watch'], { onSpawn: (c) => c.stdout!.on('data', (t: string) => (out += t)) });
    await expect.poll(() => out.length > 0, { timeout: 5000 }).toBe(true);
    await broker.close();
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Keybridge stopped.');
  });

  it('exec runs the command with the token in its environment and passes its exit code on', async () => {
    const script = `process.exit(process.env.OPENAI_ACCESS_TOKEN === ${JSON.stringify(TEST_ACCESS_TOKEN)} && process.env.CHATGPT_ACCOUNT_ID === 'acct-123' ? 7 : 1)`;
    const r = await cli(['exec', '--', process.execPath, '-e', script]);
    expect(r.code).toBe(7);
    const named = await cli([
      'exec',
      '--env',
      'MY_TOKEN',
      '--',
      process.execPath,
      '-e',
      'process.exit(process.env.MY_TOKEN ? 0 : 1)',
    ]);
    expect(named.code).toBe(0);
  });
});
