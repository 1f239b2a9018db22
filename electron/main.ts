/**
 * The desktop composition root: one instance per data folder, the `keybridge://` scheme (RFC 8252 §7.1),
 * then — once Electron is ready — the vault's cipher, the host lock, the core host, the broker, the IPC
 * transport, the tray and the popover. Everything that knows Electron lives in electron/shell; the core
 * (core) is the same one `keybridge serve` runs.
 */
import { join } from 'node:path';
import { app, Menu, session, shell, type Rectangle } from 'electron';
import { asBrowserSignIn } from '../core/api/bridge';
import { methods, type Status } from '../core/api/contract';
import type { CallContext } from '../core/api/service';
import { loadConfig, type KeybridgeConfig } from '../core/config';
import { asKeybridgeError } from '../core/errors';
import { HostRuntime } from '../core/host-runtime';
import { devServerUrl, type AppPage } from './shell/app-page';
import { handleAppScheme, registerAppScheme } from './shell/app-protocol';
import { extractSchemeUrls, SCHEME, UrlInbox, wantsNoTray } from './shell/deep-links';
import { createApprovalNotifier, type ApprovalNotifier } from './shell/approval-notifications';
import { confirmReplaceCodexLogin, confirmSignOut, showFatal, showProblem } from './shell/dialogs';
import { registerIpc } from './shell/ipc';
import { registerSchemeHandler } from './shell/linux-desktop-file';
import { createLog } from './shell/log';
import { getStartAtLogin, setStartAtLogin, thisAppCommand } from './shell/login-item';
import { createAppWindow, type AppWindow, type WindowMode } from './shell/popover';
import { chooseDesktopCipher } from './shell/safe-storage-cipher';
import { guardAllWebContents, hardenSession } from './shell/security';
import { createSettings, type SettingsStore } from './shell/settings';
import { createTray, type TrayController } from './shell/tray';
import type { TrayAction } from './shell/tray-menu';
import { createUsageNotifier, type UsageNotifier } from './shell/usage-notifications';

const CTX: CallContext = { transport: 'ipc' };
/** The main bundle sits in dist/electron; the preload, tray icons and app icon are copied beside it. */
const HERE = __dirname;
const SHUTDOWN_STEP_MS = 3_000;

interface Runtime {
  log: (line: string) => void;
  settings?: SettingsStore;
  /** Lock → host → broker, and their shutdown: core/host-runtime.ts, shared with `keybridge serve`. */
  core?: HostRuntime;
  tray?: TrayController;
  appWindow?: AppWindow;
  disposeIpc?: () => void;
  approvals?: ApprovalNotifier;
  usageNotices?: UsageNotifier;
  status?: Status;
}

const rt: Runtime = { log: (line) => process.stderr.write(`${line}\n`) };
let quitState: 'running' | 'cleaning' | 'done' = 'running';

function main(): void {
  app.setName('Keybridge');
  let config: KeybridgeConfig;
  try {
    config = loadConfig();
  } catch (e) {
    showFatal('settings are invalid', asKeybridgeError(e).message);
    app.exit(1);
    return;
  }

  // One Chromium profile per data folder, so the single-instance lock is per data folder, like the host lock.
  app.setPath('userData', join(config.home, 'electron'));
  if (!app.requestSingleInstanceLock()) {
    // The running instance receives our argv (and any keybridge:// URL in it) through 'second-instance'.
    app.quit();
    return;
  }
  app.enableSandbox();
  // The built UI's own scheme must be declared before 'ready' (checklist item 18: no file://).
  registerAppScheme();
  if (process.platform === 'win32') app.setAppUserModelId('app.keybridge.desktop');
  registerSchemeClient();

  const inbox = new UrlInbox();
  for (const url of extractSchemeUrls(process.argv)) inbox.push(url);
  // macOS delivers the scheme with 'open-url', on a cold start even before 'ready': listen from launch on.
  app.on('will-finish-launching', () => {
    app.on('open-url', (event, url) => {
      event.preventDefault();
      if (extractSchemeUrls([url]).length > 0) inbox.push(url);
    });
  });
  app.on('second-instance', (_event, argv) => {
    const urls = extractSchemeUrls(argv);
    for (const url of urls) inbox.push(url);
    if (urls.length === 0) showWindow();
  });
  app.on('activate', () => showWindow());
  // A tray app: closing the window does not quit. (Without a tray, popover.ts quits on close itself.)
  app.on('window-all-closed', () => {});
  app.on('before-quit', (event) => {
    rt.appWindow?.allowClose();
    if (quitState === 'done') return;
    event.preventDefault();
    if (quitState === 'cleaning') return;
    quitState = 'cleaning';
    void shutdown().finally(() => {
      quitState = 'done';
      app.quit();
    });
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => app.quit());

  app
    .whenReady()
    .then(() => start(config, inbox))
    .catch((e) => fatal(e));
}

/**
 * Registers this app for `keybridge://`. Packaged builds also declare it to the OS (Info.plist, the NSIS
 * registry keys, the .desktop file); in development Electron's own binary must be told the app folder.
 */
function registerSchemeClient(): void {
  const ok = process.defaultApp
    ? app.setAsDefaultProtocolClient(SCHEME, process.execPath, [app.getAppPath()])
    : app.setAsDefaultProtocolClient(SCHEME);
  if (!ok)
    rt.log('scheme: the OS did not accept keybridge:// registration (Linux: see the desktop file below)');
}

function showWindow(trayBounds?: Rectangle): void {
  rt.appWindow?.show(trayBounds ?? rt.tray?.bounds());
}

async function start(config: KeybridgeConfig, inbox: UrlInbox): Promise<void> {
  const log = createLog(app.getPath('logs'));
  rt.log = log;
  const running = () => quitState === 'running';

  const devUrl = devServerUrl(process.env, app.isPackaged);
  const page: AppPage = devUrl
    ? { kind: 'dev', url: devUrl }
    : { kind: 'bundle', dir: join(app.getAppPath(), 'dist', 'renderer') };
  if (page.kind === 'bundle') handleAppScheme(page, log);

  // macOS needs an Edit menu for copy and paste shortcuts in the window (pasting a redirect URL).
  Menu.setApplicationMenu(
    process.platform === 'darwin'
      ? Menu.buildFromTemplate([{ role: 'appMenu' }, { role: 'editMenu' }])
      : null,
  );
  hardenSession(session.defaultSession, page, log);
  guardAllWebContents(page, () => rt.status?.signIn?.url, log);

  // One host per data folder (docs/security.md "The refresh token never leaves the host"): fail before asking
  // anything if `keybridge serve` already runs.
  const core = new HostRuntime({ config, log, stopStepMs: SHUTDOWN_STEP_MS });
  rt.core = core;
  await core.lock();
  const settings = createSettings(config.home);
  rt.settings = settings;
  const cipher = await chooseDesktopCipher({ dataFolder: config.home, settings, log });
  if (!cipher) {
    app.quit();
    return;
  }
  if (!running()) return;

  // The desktop asks the user before a tool gets its first token (docs/client.md "Approval"), unless
  // configured otherwise.
  const host = await core.start({ cipher, defaultToolPolicy: 'ask', running });
  if (!host) return;

  const service = host.service;
  rt.status = await service['status.get'](undefined, CTX);
  service.onStatus((status) => {
    rt.status = status;
    rt.tray?.update(status);
  });

  const noTray = wantsNoTray(process.argv, process.env) || settings.get('noTray');
  rt.tray = noTray
    ? undefined
    : createTray({
        iconDir: join(HERE, 'icons', 'tray'),
        loginItemSupported: true,
        onClick: (bounds) => rt.appWindow?.toggle(bounds ?? rt.tray?.bounds()),
        onAction: (action, checked) => void onTrayAction(action, checked),
        onSwitchAccount: (accountId) => void switchAccount(accountId),
      });
  if (!noTray && !rt.tray) log('tray: no status area on this desktop; using a normal window');
  // A popover needs to know where the icon is. Linux never reports tray bounds; elsewhere 0×0 bounds mean the
  // icon is not shown anywhere (no notification area). Then a normal window it is.
  const mode: WindowMode =
    rt.tray && process.platform !== 'linux' && rt.tray.bounds() !== undefined ? 'popover' : 'window';
  if (mode === 'popover' && process.platform === 'darwin') app.dock?.hide();

  rt.appWindow = createAppWindow({
    mode,
    page,
    preloadPath: join(HERE, 'preload.cjs'),
    settings,
    iconPath: process.platform === 'darwin' ? undefined : join(HERE, 'icons', 'app.png'),
    hasTray: rt.tray !== undefined,
    onClosedWithoutTray: () => app.quit(),
    log,
  });
  rt.disposeIpc = registerIpc({ service, appWindow: () => rt.appWindow, log });

  rt.tray?.update(rt.status);
  // Tools: a notification (and the window's prompt) for each pending approval; the tray's Codex toggle.
  rt.approvals = createApprovalNotifier({
    answer: (name, allow) =>
      void service['tools.decide']({ name, allow }, CTX).catch((e) =>
        log(`tools: could not record the answer (${asKeybridgeError(e).code})`),
      ),
    open: () => showWindow(),
    log,
  });
  // Several accounts: the tray lists them (and shows a reached limit); usage notices become notifications.
  rt.usageNotices = createUsageNotifier({ open: () => showWindow(), log });
  service.onEvent?.((e) => {
    if (e.name === 'tools.changed') rt.approvals?.update(e.payload.tools);
    else if (e.name === 'codex.changed') rt.tray?.setCodexSharing(e.payload.enabled);
    else if (e.name === 'accounts.changed') rt.tray?.setAccounts(e.payload);
    else if (e.name === 'usage.notice') rt.usageNotices?.notify(e.payload);
  });
  void service['accounts.list'](undefined, CTX)
    .then((list) => rt.tray?.setAccounts(list))
    .catch(() => undefined);
  void service['codex.status'](undefined, CTX)
    .then((s) => rt.tray?.setCodexSharing(s.enabled))
    .catch(() => undefined);
  void getStartAtLogin()
    .then((enabled) => rt.tray?.setStartAtLogin(enabled))
    .catch(() => undefined);
  // Shown at once when there is no icon to click: no tray, or (macOS, Windows) a tray nobody can see.
  if (!rt.tray || (process.platform !== 'linux' && mode === 'window')) rt.appWindow.show();

  if (process.platform === 'linux') {
    void registerSchemeHandler({ command: thisAppCommand(), iconPng: join(HERE, 'icons', 'app.png') })
      .then((r) =>
        log(`scheme: ${r.desktopFile}${r.defaultSet ? ' is the keybridge:// handler' : ` — ${r.detail}`}`),
      )
      .catch((e) => log(`scheme: could not write the desktop file: ${(e as Error).message}`));
  }

  inbox.drainTo((url) => void openSchemeUrl(url));
}

/** A `keybridge://oauth/callback?…` redirect: completes the pending sign-in (the core checks state, PKCE). */
async function openSchemeUrl(url: string): Promise<void> {
  const service = rt.core?.host?.service;
  if (!service) return;
  rt.log('scheme: received a keybridge:// redirect');
  const params = methods['auth.openUrl'].params.safeParse({ url });
  if (params.success) {
    try {
      await service['auth.openUrl'](params.data, CTX);
    } catch (e) {
      rt.log(`scheme: the redirect was not accepted (${asKeybridgeError(e).code})`);
    }
  }
  // Either way the window shows the outcome: the account, or what went wrong and what to do.
  showWindow();
}

async function onTrayAction(action: TrayAction, checked?: boolean): Promise<void> {
  const service = rt.core?.host?.service;
  if (!service) return;
  const busy = async (work: () => Promise<void>) => {
    rt.tray?.setBusy(true);
    try {
      await work();
    } finally {
      rt.tray?.setBusy(false);
    }
  };
  try {
    switch (action) {
      case 'signIn':
      case 'addAccount':
        await busy(async () => {
          // The shell opens the browser itself (noBrowser), with the URL the core built for this attempt.
          const { url } = asBrowserSignIn(await service['auth.login']({ noBrowser: true }, CTX));
          try {
            await shell.openExternal(url);
          } catch {
            rt.log('sign-in: the browser could not be opened; the window offers "Copy link"');
            showWindow();
            return;
          }
          if (rt.appWindow?.mode === 'window') showWindow();
        });
        break;
      case 'cancelSignIn':
        await service['auth.cancel'](undefined, CTX);
        break;
      case 'signOut':
        if (await confirmSignOut(rt.status?.account?.email)) {
          await busy(async () => {
            await service['auth.logout'](undefined, CTX);
          });
        }
        break;
      case 'open':
        showWindow();
        break;
      case 'toggleCodexSharing':
        await setCodexSharing(checked === true);
        break;
      case 'toggleStartAtLogin': {
        const enabled = checked === true;
        await setStartAtLogin(enabled);
        rt.settings?.set('startAtLogin', enabled);
        rt.tray?.setStartAtLogin(await getStartAtLogin());
        break;
      }
      case 'quit':
        app.quit();
        break;
    }
  } catch (e) {
    const err = asKeybridgeError(e);
    rt.log(`tray: ${action} failed (${err.code})`);
    await showProblem('That did not work.', err.message);
  }
}

/** An account chosen in the tray's list becomes the active one; the host's accounts.changed redraws the menu. */
async function switchAccount(accountId: string): Promise<void> {
  const service = rt.core?.host?.service;
  if (!service) return;
  rt.tray?.setBusy(true);
  try {
    rt.tray?.setAccounts(await service['accounts.switch']({ account: accountId }, CTX));
  } catch (e) {
    const err = asKeybridgeError(e);
    rt.log(`tray: switching accounts failed (${err.code})`);
    await showProblem('Could not switch accounts.', err.message);
  } finally {
    rt.tray?.setBusy(false);
  }
}

/** The tray's Codex toggle: a login Codex made itself is replaced only after the user confirms. */
async function setCodexSharing(on: boolean): Promise<void> {
  const service = rt.core?.host?.service;
  if (!service) return;
  try {
    const s = on
      ? await service['codex.enable'](undefined, CTX)
      : await service['codex.disable'](undefined, CTX);
    rt.tray?.setCodexSharing(s.enabled);
  } catch (e) {
    const err = asKeybridgeError(e);
    if (err.code !== 'codex_login_exists') throw err;
    const status = await service['codex.status'](undefined, CTX);
    if (await confirmReplaceCodexLogin(status.path)) {
      const s = await service['codex.enable']({ replaceExisting: true }, CTX);
      rt.tray?.setCodexSharing(s.enabled);
    } else {
      rt.tray?.setCodexSharing(false);
    }
  }
}

/** Stops answering tools first, then the session (its refresh timer), then frees the data folder. */
async function shutdown(): Promise<void> {
  rt.disposeIpc?.();
  rt.approvals?.dispose();
  rt.approvals = undefined;
  rt.usageNotices?.dispose();
  rt.usageNotices = undefined;
  rt.disposeIpc = undefined;
  rt.tray?.destroy();
  rt.tray = undefined;
  await rt.core?.stop();
  rt.core = undefined;
}

async function fatal(e: unknown): Promise<void> {
  const err = asKeybridgeError(e);
  rt.log(`start: ${err.code}: ${err.message}`);
  showFatal(err.code === 'host_already_running' ? 'already running' : 'could not start', err.message);
  quitState = 'cleaning';
  await shutdown();
  quitState = 'done';
  app.exit(1);
}

main();
