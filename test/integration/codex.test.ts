/**
 * Sharing with Codex CLI (docs/design.md "Codex sharing") through the real host and `keybridge codex …`: the
 * exact content and mode of `$CODEX_HOME/auth.json`, rewritten after a refresh, removed on sign-out and
 * disable, and a login Codex made itself kept safe (refused without --replace-existing, backed up, restored).
 * When the Codex CLI is installed (`codex` on PATH, or CODEX_BIN), `codex login status` is asked too.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tokenSha256 } from '../../client/index';
import { cli } from '../support/host';
import { startOidcServer, type OidcServer } from '../support/oidc-server';
import { signIn, startSignedInHost, until, type SignedInHost } from '../support/signed-in-host';

let oidc: OidcServer;
const cleanups: Array<() => Promise<unknown>> = [];

beforeAll(async () => {
  oidc = await startOidcServer({ accounts: { 'ada@example.com': { plan: 'pro', accountId: 'acc-ada' } } });
});
afterAll(async () => {
  await oidc?.close();
});
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!().catch(() => {});
});

async function host(): Promise<SignedInHost & { codexHome: string; authFile: string }> {
  // Codex's own folder, as CODEX_HOME names it (created by Keybridge on first write).
  const codexHome = join(await mkdtemp(join(tmpdir(), 'kb-codex-')), 'codex');
  cleanups.push(() => rm(dirname(codexHome), { recursive: true, force: true }));
  const s = await startSignedInHost(oidc, { CODEX_HOME: codexHome });
  cleanups.push(() => s.dispose());
  return { ...s, codexHome, authFile: join(codexHome, 'auth.json') };
}

async function token(s: SignedInHost, ...args: string[]): Promise<string> {
  const r = await cli(s.h, 'token', ...args);
  expect(r.code).toBe(0);
  return r.stdout.trim();
}

function jwtClaims(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

async function readAuth(path: string) {
  return { text: await readFile(path, 'utf8'), mode: (await stat(path)).mode & 0o777 };
}

/** The Codex CLI, when this machine has it (it is not a dependency: its package carries a ~400 MB binary). */
function findCodex(): string | undefined {
  if (process.env.CODEX_BIN && existsSync(process.env.CODEX_BIN)) return process.env.CODEX_BIN;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'codex'))) return join(dir, 'codex');
  }
  return undefined;
}

function codexLoginStatus(bin: string, codexHome: string, home: string) {
  return new Promise<{ code: number | null; out: string }>((resolve) => {
    execFile(
      bin,
      ['login', 'status'],
      { env: { PATH: process.env.PATH ?? '', HOME: home, CODEX_HOME: codexHome }, timeout: 30_000 },
      (err, stdout, stderr) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

describe('keybridge codex enable / status / disable', () => {
  it('writes exactly the documented file, 0600, rewrites it after a refresh and removes it on sign-out and disable', async () => {
    const s = await host();
    const off = await cli(s.h, 'codex', 'status', '--json');
    expect(off.code).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ enabled: false, path: s.authFile, file: 'missing' });

    const on = await cli(s.h, 'codex', 'enable');
    expect(on.code).toBe(0);
    expect(on.stdout).toMatch(/Sharing with Codex CLI: on/);
    const { text, mode } = await readAuth(s.authFile);
    expect(mode).toBe(0o600);
    const doc = JSON.parse(text);
    expect(Object.keys(doc)).toEqual(['auth_mode', 'OPENAI_API_KEY', 'tokens', 'last_refresh']);
    expect(Object.keys(doc.tokens)).toEqual(['id_token', 'access_token', 'refresh_token', 'account_id']);
    expect(doc).toMatchObject({
      auth_mode: 'chatgpt',
      OPENAI_API_KEY: null,
      tokens: { refresh_token: '', account_id: 'acc-ada' },
    });
    expect(new Date(doc.last_refresh).toISOString()).toBe(doc.last_refresh);
    expect(Date.now() - Date.parse(doc.last_refresh)).toBeLessThan(60_000);
    expect(jwtClaims(doc.tokens.id_token)).toMatchObject({ email: 'ada@example.com' });
    const current = await token(s);
    expect(doc.tokens.access_token).toBe(current);
    // Never the refresh token: nothing in the file is anything but the access token, the id_token and facts.
    expect(text).not.toMatch(/refresh_token": "[^"]/);

    // A refresh rewrites it at once.
    const refreshed = await token(s, '--min-ttl', '86400');
    expect(refreshed).not.toBe(current);
    const after = await until('the file to carry the new token', async () => {
      const d = JSON.parse((await readAuth(s.authFile)).text);
      return d.tokens.access_token === refreshed ? d : undefined;
    });
    expect(after.tokens.refresh_token).toBe('');
    expect((await readAuth(s.authFile)).mode).toBe(0o600);
    const status = JSON.parse((await cli(s.h, 'codex', 'status', '--json')).stdout);
    expect(status).toMatchObject({ enabled: true, file: 'ours' });
    expect(status.lastWrittenAt).toBeDefined();

    // Sign-out removes it; sharing stays on, so the next sign-in writes it again.
    expect((await cli(s.h, 'logout')).code).toBe(0);
    await until('the file to go', () => (existsSync(s.authFile) ? undefined : true));
    expect(JSON.parse((await cli(s.h, 'codex', 'status', '--json')).stdout)).toMatchObject({
      enabled: true,
      file: 'missing',
    });
    await signIn(s.h);
    await until('the file after sign-in', () => (existsSync(s.authFile) ? true : undefined));
    expect(JSON.parse((await readAuth(s.authFile)).text).tokens.access_token).toBe(await token(s));

    // Disable removes it, and it stays gone through refreshes.
    const disabled = await cli(s.h, 'codex', 'disable');
    expect(disabled.code).toBe(0);
    expect(disabled.stdout).toMatch(/Sharing with Codex CLI: off/);
    expect(existsSync(s.authFile)).toBe(false);
    await token(s, '--min-ttl', '86400');
    await new Promise((r) => setTimeout(r, 200));
    expect(existsSync(s.authFile)).toBe(false);
    // Nothing left behind in Codex's folder (no temp files, no backups of our own file).
    expect(await readdir(s.codexHome)).toEqual([]);
  });

  it('never overwrites a login Codex made itself: refuses, backs it up on --replace-existing, stops writing when Codex signs in again', async () => {
    const s = await host();
    await mkdir(s.codexHome, { recursive: true });
    const own = JSON.stringify({
      OPENAI_API_KEY: null,
      tokens: {
        id_token: 'codex-own-id',
        access_token: 'codex-own-access',
        refresh_token: 'codex-own-refresh',
        account_id: 'acc-own',
      },
      last_refresh: '2025-01-01T00:00:00Z',
    });
    await writeFile(s.authFile, own, { mode: 0o600 });

    const refused = await cli(s.h, 'codex', 'enable');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/already has its own login/);
    expect(refused.stderr).toMatch(/--replace-existing/);
    expect(await readFile(s.authFile, 'utf8')).toBe(own);
    expect(JSON.parse((await cli(s.h, 'codex', 'status', '--json')).stdout)).toMatchObject({
      enabled: false,
      file: 'foreign',
    });

    const replaced = await cli(s.h, 'codex', 'enable', '--replace-existing');
    expect(replaced.code).toBe(0);
    const status = JSON.parse((await cli(s.h, 'codex', 'status', '--json')).stdout);
    expect(status).toMatchObject({ enabled: true, file: 'ours' });
    expect(status.backupPath).toMatch(/auth\.json\.keybridge-backup-\d{8}T\d{6}\.\d{3}Z$/);
    expect(await readFile(status.backupPath, 'utf8')).toBe(own);
    expect((await stat(status.backupPath)).mode & 0o777).toBe(0o600);
    expect(JSON.parse(await readFile(s.authFile, 'utf8')).tokens.access_token).toBe(await token(s));

    // Codex signs in on its own while sharing is on: Keybridge stops writing rather than replace it.
    const newer = own.replace('codex-own-access', 'codex-newer-access');
    await writeFile(s.authFile, newer, { mode: 0o600 });
    await token(s, '--min-ttl', '86400');
    const paused = await until('the problem to show', async () => {
      const st = JSON.parse((await cli(s.h, 'codex', 'status', '--json')).stdout);
      return st.problem ? st : undefined;
    });
    expect(paused).toMatchObject({ file: 'foreign', problem: { code: 'codex_login_exists' } });
    expect(await readFile(s.authFile, 'utf8')).toBe(newer);

    // Disable leaves Codex's newer login alone and keeps the older backup.
    await cli(s.h, 'codex', 'disable');
    expect(await readFile(s.authFile, 'utf8')).toBe(newer);
    expect(await readFile(status.backupPath, 'utf8')).toBe(own);
  });

  it('disable puts Codex’s own login back', async () => {
    const s = await host();
    await mkdir(s.codexHome, { recursive: true });
    const own = '{"OPENAI_API_KEY":"sk-own-key"}\n';
    await writeFile(s.authFile, own, { mode: 0o600 });
    expect((await cli(s.h, 'codex', 'enable', '--replace-existing')).code).toBe(0);
    expect(await readFile(s.authFile, 'utf8')).not.toBe(own);
    const disabled = await cli(s.h, 'codex', 'disable', '--json');
    expect(JSON.parse(disabled.stdout)).toMatchObject({ enabled: false, file: 'foreign' });
    expect(JSON.parse(disabled.stdout).backupPath).toBeUndefined();
    expect(await readFile(s.authFile, 'utf8')).toBe(own);
    expect((await readdir(s.codexHome)).sort()).toEqual(['auth.json']);
  });

  it('with the Codex CLI installed: `codex login status` is logged in after enable and not after sign-out', async (ctx) => {
    const bin = findCodex();
    if (!bin) {
      console.log(
        'skipped: Codex CLI not found (put `codex` on PATH or set CODEX_BIN to run `codex login status`)',
      );
      ctx.skip();
      return;
    }
    const s = await host();
    const before = await codexLoginStatus(bin, s.codexHome, s.h.home);
    expect(before.code).not.toBe(0);
    expect((await cli(s.h, 'codex', 'enable')).code).toBe(0);
    const on = await codexLoginStatus(bin, s.codexHome, s.h.home);
    console.log(`codex login status after enable (exit ${on.code}): ${on.out.trim().split('\n').at(-1)}`);
    expect(on.code).toBe(0);
    expect(on.out).toMatch(/Logged in using ChatGPT/i);
    // Codex reads what Keybridge handed out: the file's token is the current one.
    const doc = JSON.parse(await readFile(s.authFile, 'utf8'));
    expect(tokenSha256(doc.tokens.access_token)).toBe(tokenSha256(await token(s)));
    expect((await cli(s.h, 'logout')).code).toBe(0);
    await until('the file to go', () => (existsSync(s.authFile) ? undefined : true));
    const off = await codexLoginStatus(bin, s.codexHome, s.h.home);
    console.log(`codex login status after sign-out (exit ${off.code}): ${off.out.trim().split('\n').at(-1)}`);
    expect(off.code).not.toBe(0);
    expect(off.out).toMatch(/Not logged in/i);
  });
});
