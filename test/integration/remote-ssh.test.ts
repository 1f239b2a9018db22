/**
 * Tools on another machine through a real OpenSSH server on loopback (test/support/sshd.ts): the desktop's
 * `keybridge serve --ui` signed in at the test authorization server, and `keybridge remote ssh` carrying its
 * broker to the "remote" side with `ssh -R`. There, `keybridge token` and `keybridge codex sync` run from
 * the copy `remote ssh` placed in a private temporary folder, with a CODEX_HOME of their own.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../client/index';
import type { ToolInfo } from '../../core/api/contract';
import { BIN, cli, type CliResult } from '../support/host';
import { startOidcServer, type OidcServer } from '../support/oidc-server';
import { startSignedInHost, until, type SignedInHost } from '../support/signed-in-host';
import { sshdMissing, startSshd, type Sshd } from '../support/sshd';
import { openUiSocket } from '../support/ui-socket';

const missing = sshdMissing();
if (missing) console.log(`remote-ssh tests skipped: ${missing}`);

const REMOTE = 'keybridge-cli (through SSH)';
let oidc: OidcServer;
let sshd: Sshd;
let s: SignedInHost;
let ui: Awaited<ReturnType<typeof openUiSocket>>;
let scratch: string;
const cleanups: Array<() => unknown> = [];

beforeAll(async () => {
  if (missing) return;
  scratch = await mkdtemp(join(tmpdir(), 'kb-remote-'));
  [oidc, sshd] = await Promise.all([startOidcServer(), startSshd()]);
  s = await startSignedInHost(oidc, {}, { serveArgs: ['--ui'] });
  ui = await openUiSocket(s.host.output, cleanups);
}, 120_000);

afterAll(async () => {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
  await s?.dispose();
  await sshd?.stop();
  await oidc?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** `keybridge remote ssh [ssh options] HOST command` on the desktop, as a user runs it. */
function remote(command: string) {
  const child = spawn(process.execPath, [BIN, 'remote', 'ssh', ...sshd.sshOptions, sshd.target, command], {
    env: s.h.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((res) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(t);
      res({ code, stdout, stderr });
    });
  });
  cleanups.push(() => child.kill('SIGKILL'));
  return { child, done, stdout: () => stdout, stderr: () => stderr };
}

const remoteSocketOf = (stderr: string) => /^ {2}(\/tmp\/keybridge-[0-9a-f]+\.sock) on /m.exec(stderr)?.[1];
const remoteFolderOf = (stderr: string) => /keybridge is in (\S+) \(removed/.exec(stderr)?.[1];

describe.skipIf(missing !== undefined)('keybridge remote ssh', () => {
  it('gives a remote `keybridge token` the desktop’s current token, labelled "through SSH", and cleans up', async () => {
    const local = await cli(s.h, 'token');
    expect(local.code).toBe(0);

    const run = remote('keybridge token');
    const result = await run.done;
    expect(result.stderr).toContain(`forwarding this computer's Keybridge to ${sshd.target}`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toBe(local.stdout.trim());

    // Said what it did; the socket and the private folder are gone with the session.
    const socket = remoteSocketOf(result.stderr);
    const folder = remoteFolderOf(result.stderr);
    expect(socket).toBeDefined();
    expect(folder).toBeDefined();
    expect(existsSync(socket!)).toBe(false);
    expect(existsSync(folder!)).toBe(false);

    // The broker saw an OpenSSH process at the other end: a tool of its own, labelled as remote.
    const tools = (await ui.call('tools.list')) as ToolInfo[];
    expect(tools.find((t) => t.name === REMOTE)).toMatchObject({ via: 'ssh', decision: 'allowed' });
    expect(tools.find((t) => t.name === 'keybridge-cli')?.via).toBeUndefined();
  });

  it('keeps the remote auth.json filled with `keybridge codex sync` through a refresh, and removes it on SIGTERM', async () => {
    const codexHome = join(scratch, 'codex-sync');
    const authJson = join(codexHome, 'auth.json');
    const run = remote(`echo pid=$$; CODEX_HOME=${codexHome} exec keybridge codex sync`);
    const pid = Number(await until('the remote pid', () => /pid=(\d+)/.exec(run.stdout())?.[1], 30_000));
    await until('auth.json on the remote side', () => (existsSync(authJson) ? true : undefined), 30_000);

    const doc = JSON.parse(await readFile(authJson, 'utf8')) as {
      auth_mode: string;
      tokens: { access_token: string; refresh_token: string; id_token: string };
    };
    expect(doc.auth_mode).toBe('chatgpt');
    expect(doc.tokens.refresh_token).toBe('');
    expect(doc.tokens.access_token).toBe((await cli(s.h, 'token')).stdout.trim());
    expect(oidc.issued.idTokens).toContain(doc.tokens.id_token);
    expect((await stat(authJson)).mode & 0o777).toBe(0o600);

    // A refresh on the desktop (a local tool reports the token as rejected) reaches the remote file.
    const tool = await connect({ name: 'local-agent', socketPath: s.h.socket });
    cleanups.push(() => tool.close());
    const refreshed = await tool.invalidate(doc.tokens.access_token);
    expect(refreshed.accessToken).not.toBe(doc.tokens.access_token);
    await until(
      'the refreshed token in the remote auth.json',
      async () =>
        (JSON.parse(await readFile(authJson, 'utf8')) as typeof doc).tokens.access_token ===
        refreshed.accessToken
          ? true
          : undefined,
      30_000,
    );

    process.kill(pid, 'SIGTERM');
    const result = await run.done;
    expect(result.code, result.stderr).toBe(0);
    expect(existsSync(authJson)).toBe(false);
  });

  it('cuts a remote tool off at once when its SSH-labelled entry is revoked', async () => {
    const run = remote('exec keybridge watch');
    await until('the remote watch', () => (/"event":"status"/.test(run.stdout()) ? true : undefined), 30_000);

    await ui.call('tools.revoke', { name: REMOTE });
    const watched = await run.done;
    expect(watched.stderr).toContain('Keybridge stopped.');
    expect(watched.code).toBe(1);

    const again = await remote('keybridge token').done;
    expect(again.code).toBe(1);
    expect(again.stdout).toBe('');
    expect(again.stderr).toContain(`"${REMOTE}" is not allowed`);
    // The desktop's own tools are not affected.
    expect((await cli(s.h, 'token')).code).toBe(0);
  });

  it('removes the remote auth.json when the desktop signs out', async () => {
    await ui.call('tools.decide', { name: REMOTE, allow: true });
    const codexHome = join(scratch, 'codex-signout');
    const authJson = join(codexHome, 'auth.json');
    const run = remote(`echo pid=$$; CODEX_HOME=${codexHome} exec keybridge codex sync`);
    const pid = Number(await until('the remote pid', () => /pid=(\d+)/.exec(run.stdout())?.[1], 30_000));
    await until('auth.json on the remote side', () => (existsSync(authJson) ? true : undefined), 30_000);
    expect((await cli(s.h, 'logout')).code).toBe(0);
    await until('auth.json removed', () => (existsSync(authJson) ? undefined : true), 15_000);
    process.kill(pid, 'SIGTERM');
    expect((await run.done).code).toBe(0);
  });
});
