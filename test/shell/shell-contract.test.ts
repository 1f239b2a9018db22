/**
 * Shell contract tests: the BUILT desktop main process (dist/electron/main.cjs) runs in Node with the
 * Electron stand-in (test/support/electron-stand-in) as `electron`, against the real core, the real broker
 * socket, the real host lock and the real oidc-provider (test/support/oidc-server.ts). The steps follow one
 * user's session: start, open the window, sign in through a `keybridge://` redirect handed to a second
 * instance, sign out from the tray (confirming), quit.
 *
 * What these tests do NOT prove: real rendering (no Chromium page runs: the preload, the React UI and the
 * CSP are not exercised in a browser here) and real OS integration (no real tray, dialog, keyring,
 * single-instance lock or OS scheme registration). Those need a real Electron binary: e2e/electron.spec.ts
 * runs wherever one exists.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acquireHostLock } from '../../core/broker/lock';
import { trayIconFile } from '../../electron/shell/tray-state';
import { startShell, type ShellProcess } from '../support/electron-stand-in/harness';
import { makeHostEnv, ROOT, type HostEnv } from '../support/host';
import { signInOverHttp } from '../support/http-sign-in';
import { startOidcServer, type OidcServer } from '../support/oidc-server';
import { until } from '../support/signed-in-host';

const WAIT_MS = 30_000;
const INVOKE = 'keybridge:invoke';

console.log(
  'shell contract tests: the built main process against a typed Electron stand-in. ' +
    'Not proven here: real rendering and real OS integration (tray, dialogs, keyring, scheme registration).',
);

function iconSha(state: 'signed-out' | 'connected'): string {
  const file = join(ROOT, 'dist', 'electron', 'icons', 'tray', trayIconFile(state, 'linux', false));
  // The same digest the stand-in records for the image the tray was given.
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

function socketAnswers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('desktop shell (built main process, Electron stand-in)', () => {
  let oidc: OidcServer;
  let h: HostEnv;
  let shell: ShellProcess;

  const tray = async () => (await shell.snapshot()).tray;
  const menuLabels = async () => ((await tray())?.menu ?? []).map((i) => i.label);
  const status = async (from: 'app' | 'other' | 'subframe' = 'app') =>
    shell.send({ op: 'invoke', channel: INVOKE, args: [{ method: 'status.get' }], from }) as Promise<{
      ok: boolean;
      result?: { state: string; account?: { email?: string } | null };
      error?: { code: string };
    }>;

  beforeAll(async () => {
    oidc = await startOidcServer();
    h = await makeHostEnv(oidc.issuer, oidc.clientId, { KEYBRIDGE_REDIRECT: 'scheme' });
    shell = await startShell(h.env);
  });

  afterAll(async () => {
    if (shell && shell.child.exitCode === null) shell.child.kill('SIGKILL');
    await oidc?.close();
    if (h) await rm(h.home, { recursive: true, force: true });
  });

  it('app ready → a tray with the signed-out icon, tooltip and menu; the window loads the app page', async () => {
    const t = await until(
      'the tray',
      async () => {
        const s = await tray();
        return s?.menu.length ? s : undefined;
      },
      WAIT_MS,
    );
    expect(t.iconSha256).toBe(iconSha('signed-out'));
    expect(t.toolTip).toBe('Keybridge — signed out');
    expect(t.menu.map((i) => i.label)).toEqual([
      'Signed out',
      '',
      'Sign in with OpenAI…',
      'Open Keybridge',
      '',
      'Share with Codex CLI',
      'Start at login',
      '',
      'Quit Keybridge',
    ]);
    const snap = await shell.snapshot();
    expect(snap.sandboxEnabled).toBe(true);
    expect(snap.protocolClients).toContain('keybridge');
    expect(snap.privilegedSchemes).toEqual(['keybridge-app']);
    // Linux: no tray bounds, so a normal window, not shown until asked for.
    expect(snap.windows).toHaveLength(1);
    expect(snap.windows[0]!.visible).toBe(false);
    expect(snap.windows[0]!.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      webviewTag: false,
    });
    const load = await until('the page load', async () => (await shell.snapshot()).windows[0]!.pageLoads[0]);
    expect(load.status).toBe(200);
    expect(load.csp).toContain("default-src 'none'");
    // The broker answers tools on its socket.
    expect(await socketAnswers(h.socket)).toBe(true);
  });

  it('the window may not navigate away, open windows, or get permissions beyond a clipboard write', async () => {
    const page = (await shell.snapshot()).windows[0]!.url;
    expect(await shell.send({ op: 'navigate', url: 'https://example.com/' })).toEqual({ prevented: true });
    expect(await shell.send({ op: 'navigate', url: page })).toEqual({ prevented: false });
    expect(await shell.send({ op: 'windowOpen', url: 'https://example.com/' })).toEqual({ action: 'deny' });
    for (const permission of ['geolocation', 'media', 'notifications', 'clipboard-read']) {
      expect(await shell.send({ op: 'permission', permission, requestingUrl: page })).toBe(false);
    }
    expect(
      await shell.send({ op: 'permission', permission: 'clipboard-sanitized-write', requestingUrl: page }),
    ).toBe(true);
    expect((await shell.snapshot()).opened).toEqual([]);
  });

  it('a tray click shows the window; a second click while it is focused hides it', async () => {
    await shell.send({ op: 'trayClick' });
    expect((await shell.snapshot()).windows[0]!.visible).toBe(true);
    await shell.send({ op: 'trayClick' });
    expect((await shell.snapshot()).windows[0]!.visible).toBe(false);
  });

  it("an IPC call from the app's window reaches the core; the same call from any other sender is refused", async () => {
    const own = await status('app');
    expect(own).toMatchObject({ ok: true, result: { state: 'signedOut' } });
    for (const from of ['other', 'subframe'] as const) {
      expect(await status(from)).toEqual({
        ok: false,
        error: { code: 'access_denied', message: 'This window is not allowed to talk to Keybridge.' },
      });
    }
    // A refused call that would change state changes nothing.
    const login = await shell.send({
      op: 'invoke',
      channel: INVOKE,
      args: [{ method: 'auth.login', params: { noBrowser: true } }],
      from: 'other',
    });
    expect(login).toMatchObject({ ok: false, error: { code: 'access_denied' } });
    expect((await status('app')).result?.state).toBe('signedOut');
    expect(shell.stderr()).toMatch(/ipc: refused a message (on \S+ )?from an unknown frame/);
  });

  it('"Sign in" opens the browser; a second instance with the keybridge:// redirect in argv completes the sign-in', async () => {
    await shell.send({ op: 'menuClick', label: 'Sign in with OpenAI…' });
    const authorizeUrl = await until(
      'the browser to be opened',
      async () => (await shell.snapshot()).opened[0],
      WAIT_MS,
    );
    expect(authorizeUrl.startsWith(`${oidc.issuer}/`)).toBe(true);
    expect(new URL(authorizeUrl).searchParams.get('redirect_uri')).toBe('keybridge://oauth/callback');

    const { redirect } = await signInOverHttp(authorizeUrl, 'ada@example.com');
    expect(redirect.startsWith('keybridge://oauth/callback?')).toBe(true);
    const second = await startShell(h.env, ['--some-chromium-switch', redirect]);
    // The second instance hands its argv to the first and quits at once, without a host of its own.
    expect(await second.exited).toBe(0);
    expect(second.stderr()).not.toContain('broker: listening');

    const t = await until(
      'the signed-in tray',
      async () => {
        const s = await tray();
        return s?.menu.some((i) => i.label === 'Sign out…') ? s : undefined;
      },
      WAIT_MS,
    );
    expect(t.iconSha256).toBe(iconSha('connected'));
    expect(t.toolTip).toContain('ada@example.com');
    expect((await status('app')).result).toMatchObject({
      state: 'signedIn',
      account: { email: 'ada@example.com' },
    });
    expect(oidc.stats.codeGrants).toBe(1);
    // The window is shown with the outcome.
    expect((await shell.snapshot()).windows[0]!.visible).toBe(true);
  });

  it('"Sign out…" asks for confirmation first: Cancel keeps the session, "Sign out" ends it', async () => {
    await shell.send({ op: 'menuClick', label: 'Sign out…' });
    const ask = await until('the confirmation', async () =>
      (await shell.snapshot()).dialogs.find((d) => d.answered === undefined),
    );
    expect(ask.message).toBe('Sign out ada@example.com?');
    expect(ask.buttons).toEqual(['Sign out', 'Cancel']);
    // Nothing happened while the question is open.
    expect((await status('app')).result?.state).toBe('signedIn');
    await shell.send({ op: 'answerDialog', response: 1 });
    expect((await status('app')).result?.state).toBe('signedIn');
    expect(oidc.stats.revocations).toBe(0);

    await shell.send({ op: 'menuClick', label: 'Sign out…' });
    await until('the second confirmation', async () =>
      (await shell.snapshot()).dialogs.find((d) => d.answered === undefined),
    );
    await shell.send({ op: 'answerDialog', response: 0 });
    await until(
      'signed out',
      async () => ((await menuLabels()).includes('Sign in with OpenAI…') ? true : undefined),
      WAIT_MS,
    );
    expect((await status('app')).result?.state).toBe('signedOut');
    expect((await tray())?.iconSha256).toBe(iconSha('signed-out'));
  });

  it('"Quit Keybridge" closes the broker socket and releases the host lock', async () => {
    expect(await socketAnswers(h.socket)).toBe(true);
    await shell.send({ op: 'menuClick', label: 'Quit Keybridge' });
    expect(await shell.exited).toBe(0);
    expect(await socketAnswers(h.socket)).toBe(false);
    // The data folder is free for the next host: the lock can be taken.
    const lock = await acquireHostLock(h.home, { socketPath: h.socket });
    await lock.release();
    // No token ever reached the log.
    const log = shell.stderr();
    for (const secret of [
      ...oidc.issued.accessTokens,
      ...oidc.issued.refreshTokens,
      ...oidc.issued.idTokens,
    ]) {
      expect(log.includes(secret)).toBe(false);
    }
  });
});
