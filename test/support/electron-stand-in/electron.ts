/**
 * A stand-in for the part of Electron's main-process API the desktop shell (electron/) uses, so the built
 * dist/electron/main.cjs runs in plain Node for the shell contract tests (test/shell). Each class and object
 * is typed against Electron's own electron.d.ts (`implements Pick<Electron.X, …>`, `satisfies …`): when
 * Electron renames a method or changes what it returns, `tsc` fails here, not silently in the tests.
 *
 * What it is not: no window is drawn, no page runs (a window's "page load" asks the app's scheme handler
 * for the URL and records the answer), no OS tray, dialog, keyring or scheme registration exists. Dialogs
 * wait for the test to answer them; everything the shell asks of the OS is recorded in `world`.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type * as E from 'electron';

type Rect = E.Rectangle;

export interface DialogRecord {
  id: number;
  type?: string;
  message: string;
  detail?: string;
  buttons: string[];
  answered?: number;
}

interface PendingDialog extends DialogRecord {
  resolve(response: number): void;
}

/** Everything the shell asked of "the OS", for the control channel (control.ts) to report and drive. */
export const world = {
  ready: false,
  trays: [] as Tray[],
  windows: [] as BrowserWindow[],
  dialogs: [] as PendingDialog[],
  errorBoxes: [] as { title: string; content: string }[],
  opened: [] as string[],
  handlers: new Map<string, (event: unknown, ...args: unknown[]) => unknown>(),
  protocolHandlers: new Map<string, (request: Request) => Response | Promise<Response>>(),
  privilegedSchemes: [] as string[],
  protocolClients: [] as string[],
  sandboxEnabled: false,
  permissionRequestHandler: undefined as unknown,
  headersHandler: undefined as unknown,
};

let nextId = 1;

// ——— nativeImage, nativeTheme, screen ———

class StandInImage implements Pick<E.NativeImage, 'addRepresentation' | 'setTemplateImage' | 'isEmpty'> {
  /** sha256 of the 1x bytes: how the tests tell which icon file the tray shows. */
  readonly sha256: string;
  scaleFactors: number[];
  template = false;
  constructor(buffer: Buffer, scaleFactor: number) {
    this.sha256 = createHash('sha256').update(buffer).digest('hex');
    this.scaleFactors = [scaleFactor];
  }
  addRepresentation(options: E.AddRepresentationOptions): void {
    this.scaleFactors.push(options.scaleFactor ?? 1);
  }
  setTemplateImage(option: boolean): void {
    this.template = option;
  }
  isEmpty(): boolean {
    return false;
  }
}

export const nativeImage = {
  createFromBuffer(buffer: Buffer, options?: E.CreateFromBufferOptions): E.NativeImage {
    return new StandInImage(buffer, options?.scaleFactor ?? 1) as unknown as E.NativeImage;
  },
} satisfies Pick<typeof E.nativeImage, 'createFromBuffer'>;

export const nativeTheme = Object.assign(new EventEmitter(), {
  shouldUseDarkColors: false,
}) satisfies Pick<E.NativeTheme, 'shouldUseDarkColors'>;

const DISPLAY_AREA: Rect = { x: 0, y: 0, width: 1920, height: 1080 };
const display = () => ({ workArea: DISPLAY_AREA, bounds: DISPLAY_AREA }) as E.Display;
export const screen = {
  getCursorScreenPoint: (): E.Point => ({ x: 960, y: 10 }),
  getDisplayMatching: (_rect: Rect): E.Display => display(),
  getDisplayNearestPoint: (_point: E.Point): E.Display => display(),
} satisfies Pick<E.Screen, 'getCursorScreenPoint' | 'getDisplayMatching' | 'getDisplayNearestPoint'>;

// ——— Menu, Tray ———

export class StandInMenuItem implements Pick<E.MenuItem, 'label' | 'type' | 'enabled' | 'checked'> {
  label: string;
  type: E.MenuItem['type'];
  enabled: boolean;
  checked: boolean;
  readonly click?: E.MenuItemConstructorOptions['click'];
  constructor(o: E.MenuItemConstructorOptions) {
    this.label = o.label ?? '';
    this.type = o.type ?? 'normal';
    this.enabled = o.enabled ?? true;
    this.checked = o.checked ?? false;
    this.click = o.click;
  }
}

export class Menu extends EventEmitter implements Pick<E.Menu, 'items'> {
  static applicationMenu: Menu | null = null;
  items: E.MenuItem[];
  constructor(template: E.MenuItemConstructorOptions[] = []) {
    super();
    this.items = template.map((o) => new StandInMenuItem(o) as unknown as E.MenuItem);
  }
  static buildFromTemplate(template: E.MenuItemConstructorOptions[]): E.Menu {
    return new Menu(template) as unknown as E.Menu;
  }
  static setApplicationMenu(menu: E.Menu | null): void {
    Menu.applicationMenu = menu as unknown as Menu | null;
  }
}
Menu satisfies Pick<typeof E.Menu, 'buildFromTemplate' | 'setApplicationMenu'>;

export class Tray
  extends EventEmitter
  implements
    Pick<
      E.Tray,
      | 'setImage'
      | 'setToolTip'
      | 'setContextMenu'
      | 'popUpContextMenu'
      | 'getBounds'
      | 'isDestroyed'
      | 'destroy'
    >
{
  image: StandInImage;
  toolTip = '';
  contextMenu: Menu | null = null;
  private destroyed = false;
  constructor(image: E.NativeImage | string) {
    super();
    this.image = image as unknown as StandInImage;
    world.trays.push(this);
  }
  setImage(image: E.NativeImage | string): void {
    this.image = image as unknown as StandInImage;
  }
  setToolTip(toolTip: string): void {
    this.toolTip = toolTip;
  }
  setContextMenu(menu: E.Menu | null): void {
    this.contextMenu = menu as unknown as Menu | null;
  }
  popUpContextMenu(): void {}
  /** Linux reports no tray bounds, and this stand-in plays Linux. */
  getBounds(): Rect {
    return { x: 0, y: 0, width: 0, height: 0 };
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

// ——— windows and their web contents ———

export class StandInFrame implements Pick<E.WebFrameMain, 'processId' | 'routingId' | 'url'> {
  constructor(
    readonly processId: number,
    readonly routingId: number,
    public url: string,
    readonly parent: StandInFrame | null = null,
  ) {}
}

export class StandInWebContents
  extends EventEmitter
  implements Pick<E.WebContents, 'id' | 'isDevToolsOpened' | 'send' | 'setWindowOpenHandler'>
{
  readonly id = nextId++;
  readonly mainFrame: StandInFrame;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  windowOpenHandler?: (details: E.HandlerDetails) => E.WindowOpenHandlerResponse;
  constructor(url = '') {
    super();
    this.mainFrame = new StandInFrame(1000 + this.id, 1, url);
  }
  isDevToolsOpened(): boolean {
    return false;
  }
  send(channel: string, ...args: unknown[]): void {
    this.sent.push({ channel, args });
  }
  setWindowOpenHandler(handler: (details: E.HandlerDetails) => E.WindowOpenHandlerResponse): void {
    this.windowOpenHandler = handler;
  }
}

export interface PageLoad {
  url: string;
  status: number;
  csp: string | null;
}

export class BrowserWindow
  extends EventEmitter
  implements
    Pick<
      E.BrowserWindow,
      | 'loadURL'
      | 'show'
      | 'hide'
      | 'focus'
      | 'isVisible'
      | 'isFocused'
      | 'isMinimized'
      | 'restore'
      | 'isDestroyed'
      | 'destroy'
      | 'close'
      | 'setBounds'
      | 'getBounds'
      | 'getNormalBounds'
      | 'setVisibleOnAllWorkspaces'
      | 'removeMenu'
    >
{
  readonly webContents = new StandInWebContents();
  readonly options: E.BrowserWindowConstructorOptions;
  pageLoads: PageLoad[] = [];
  private visible = false;
  private focused = false;
  private destroyed = false;
  private bounds: Rect;
  constructor(options: E.BrowserWindowConstructorOptions = {}) {
    super();
    this.options = options;
    this.bounds = {
      x: options.x ?? 100,
      y: options.y ?? 100,
      width: options.width ?? 800,
      height: options.height ?? 600,
    };
    world.windows.push(this);
    app.emit('web-contents-created', { preventDefault() {} }, this.webContents);
    app.emit('browser-window-created', { preventDefault() {} }, this);
  }
  static getAllWindows(): BrowserWindow[] {
    return world.windows.filter((w) => !w.isDestroyed());
  }
  /** No page runs: the URL becomes the main frame's, and the app's scheme handler (if any) is asked for it. */
  async loadURL(url: string): Promise<void> {
    this.webContents.mainFrame.url = url;
    const handler = world.protocolHandlers.get(new URL(url).protocol.replace(/:$/, ''));
    if (!handler) return;
    const res = await handler(new Request(url));
    this.pageLoads.push({ url, status: res.status, csp: res.headers.get('content-security-policy') });
  }
  show(): void {
    this.visible = true;
    this.focused = true;
    this.emit('show');
  }
  hide(): void {
    this.visible = false;
    this.focused = false;
    this.emit('hide');
  }
  focus(): void {
    this.focused = this.visible;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isFocused(): boolean {
    return this.focused;
  }
  isMinimized(): boolean {
    return false;
  }
  restore(): void {}
  isDestroyed(): boolean {
    return this.destroyed;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.visible = false;
    this.emit('closed');
  }
  close(): void {
    let prevented = false;
    this.emit('close', { preventDefault: () => (prevented = true) });
    if (!prevented) this.destroy();
  }
  setBounds(bounds: Partial<Rect>): void {
    this.bounds = { ...this.bounds, ...bounds };
  }
  getBounds(): Rect {
    return { ...this.bounds };
  }
  getNormalBounds(): Rect {
    return { ...this.bounds };
  }
  setVisibleOnAllWorkspaces(): void {}
  removeMenu(): void {}
}

// ——— ipcMain, shell, dialog, protocol, session, safeStorage, Notification ———

export const ipcMain = Object.assign(new EventEmitter(), {
  handle(channel: string, listener: (event: E.IpcMainInvokeEvent, ...args: unknown[]) => unknown): void {
    if (world.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    world.handlers.set(channel, listener as (event: unknown, ...args: unknown[]) => unknown);
  },
  removeHandler(channel: string): void {
    world.handlers.delete(channel);
  },
}) satisfies Pick<E.IpcMain, 'handle' | 'removeHandler'>;

export const shell = {
  async openExternal(url: string): Promise<void> {
    world.opened.push(url);
  },
  async openPath(_path: string): Promise<string> {
    return '';
  },
} satisfies Pick<E.Shell, 'openExternal' | 'openPath'>;

function messageBox(options: E.MessageBoxOptions): Promise<E.MessageBoxReturnValue> {
  return new Promise((resolve) => {
    world.dialogs.push({
      id: nextId++,
      type: options.type,
      message: options.message,
      detail: options.detail,
      buttons: options.buttons ?? ['OK'],
      resolve: (response) => resolve({ response, checkboxChecked: false }),
    });
  });
}

export const dialog = {
  showMessageBox(a: E.BaseWindow | E.MessageBoxOptions, b?: E.MessageBoxOptions) {
    return messageBox(b ?? (a as E.MessageBoxOptions));
  },
  showErrorBox(title: string, content: string): void {
    world.errorBoxes.push({ title, content });
    process.stderr.write(`[stand-in] error box: ${title}: ${content}\n`);
  },
} satisfies Pick<E.Dialog, 'showErrorBox'> & {
  showMessageBox(options: E.MessageBoxOptions): Promise<E.MessageBoxReturnValue>;
};

export const protocol = {
  registerSchemesAsPrivileged(customSchemes: E.CustomScheme[]): void {
    // As in Electron: only before `ready`.
    if (world.ready)
      throw new Error('protocol.registerSchemesAsPrivileged must be called before app is ready');
    world.privilegedSchemes.push(...customSchemes.map((s) => s.scheme));
  },
  handle(scheme: string, handler: (request: Request) => Response | Promise<Response>): void {
    world.protocolHandlers.set(scheme, handler);
  },
} satisfies Pick<E.Protocol, 'registerSchemesAsPrivileged' | 'handle'>;

class StandInSession
  extends EventEmitter
  implements
    Pick<
      E.Session,
      'setPermissionRequestHandler' | 'setPermissionCheckHandler' | 'setDevicePermissionHandler'
    >
{
  readonly webRequest = {
    onHeadersReceived: (listener: unknown) => {
      world.headersHandler = listener;
    },
  };
  setPermissionRequestHandler(handler: Parameters<E.Session['setPermissionRequestHandler']>[0]): void {
    world.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(): void {}
  setDevicePermissionHandler(): void {}
}

export const session = { defaultSession: new StandInSession() };

/**
 * No keyring here: async encryption reports unavailable, so the shell picks the core's key-file cipher
 * (storage-backend.ts), which is real. safeStorage itself is not exercised by these tests.
 */
export const safeStorage = {
  isAsyncEncryptionAvailable: async (): Promise<boolean> => false,
  getSelectedStorageBackend: (): ReturnType<E.SafeStorage['getSelectedStorageBackend']> => 'basic_text',
  encryptStringAsync: async (_plainText: string): Promise<Buffer> => {
    throw new Error('safeStorage is not available in the Electron stand-in');
  },
  decryptStringAsync: async (_encrypted: Buffer): Promise<E.DecryptStringAsyncReturnValue> => {
    throw new Error('safeStorage is not available in the Electron stand-in');
  },
} satisfies Pick<
  E.SafeStorage,
  'isAsyncEncryptionAvailable' | 'getSelectedStorageBackend' | 'encryptStringAsync' | 'decryptStringAsync'
>;

/** Notifications are "not supported" here; the approval prompt in the window is the path taken. */
export class Notification extends EventEmitter implements Pick<E.Notification, 'show' | 'close'> {
  static isSupported(): boolean {
    return false;
  }
  show(): void {}
  close(): void {}
}

// ——— app ———

const paths = new Map<string, string>();

/** Electron's single-instance lock, played with a lock file and a Unix socket in the userData folder. */
function singleInstanceLock(argv: string[]): boolean {
  const dir = paths.get('userData') ?? tmpdir();
  mkdirSync(dir, { recursive: true });
  const lockFile = join(dir, 'stand-in-singleton.json');
  const socket = join(dir, 'stand-in-singleton.sock');
  if (existsSync(lockFile)) {
    const { pid } = JSON.parse(readFileSync(lockFile, 'utf8')) as { pid: number };
    let alive = true;
    try {
      process.kill(pid, 0);
    } catch {
      alive = false;
    }
    if (alive) {
      // Like Electron: the second instance hands its argv to the first before the call returns.
      const deliver =
        "const s=require('net').connect(process.argv[1],()=>s.end(process.argv[2]));" +
        's.on("close",()=>process.exit(0));s.on("error",()=>process.exit(1));';
      spawnSync(process.execPath, ['-e', deliver, socket, JSON.stringify(argv)], { timeout: 10_000 });
      return false;
    }
  }
  writeFileSync(lockFile, JSON.stringify({ pid: process.pid }));
  rmSync(socket, { force: true });
  const server = createServer((conn) => {
    let text = '';
    conn.on('data', (d) => (text += d));
    conn.on('end', () => {
      conn.end();
      app.emit('second-instance', { preventDefault() {} }, JSON.parse(text) as string[], process.cwd(), {});
    });
  });
  server.listen(socket);
  server.unref();
  process.on('exit', () => {
    rmSync(lockFile, { force: true });
    rmSync(socket, { force: true });
  });
  return true;
}

class StandInApp
  extends EventEmitter
  implements
    Pick<
      E.App,
      | 'setName'
      | 'getName'
      | 'getVersion'
      | 'setPath'
      | 'getPath'
      | 'getAppPath'
      | 'requestSingleInstanceLock'
      | 'enableSandbox'
      | 'setAppUserModelId'
      | 'setAsDefaultProtocolClient'
      | 'whenReady'
      | 'isReady'
      | 'quit'
      | 'exit'
      | 'getLoginItemSettings'
      | 'setLoginItemSettings'
      | 'isPackaged'
    >
{
  isPackaged = false;
  dock = undefined;
  private name = 'Electron';
  private quitting = false;
  private readyPromise: Promise<void>;
  private markReady!: () => void;
  constructor() {
    super();
    this.readyPromise = new Promise((r) => (this.markReady = r));
  }
  setName(name: string): void {
    this.name = name;
  }
  getName(): string {
    return this.name;
  }
  getVersion(): string {
    return '45.5.0';
  }
  setPath(name: string, path: string): void {
    paths.set(name, path);
  }
  getPath(name: Parameters<E.App['getPath']>[0]): string {
    const userData = paths.get('userData') ?? join(tmpdir(), 'keybridge-stand-in');
    return paths.get(name) ?? (name === 'userData' ? userData : join(userData, name));
  }
  getAppPath(): string {
    return process.env.STAND_IN_APP_PATH ?? process.cwd();
  }
  requestSingleInstanceLock(): boolean {
    return singleInstanceLock(process.argv);
  }
  enableSandbox(): void {
    world.sandboxEnabled = true;
  }
  setAppUserModelId(): void {}
  setAsDefaultProtocolClient(protocolName: string): boolean {
    world.protocolClients.push(protocolName);
    return true;
  }
  whenReady(): Promise<void> {
    return this.readyPromise;
  }
  isReady(): boolean {
    return world.ready;
  }
  /** Called by control.ts once the main script has run, as Electron does after the app's first tick. */
  becomeReady(): void {
    if (world.ready || this.quitting) return;
    this.emit('will-finish-launching');
    world.ready = true;
    this.markReady();
    this.emit('ready', { preventDefault() {} }, {});
  }
  quit(): void {
    let prevented = false;
    this.emit('before-quit', { preventDefault: () => (prevented = true) });
    if (prevented) return;
    this.quitting = true;
    for (const w of BrowserWindow.getAllWindows()) w.close();
    this.emit('will-quit', { preventDefault() {} });
    this.emit('quit', { preventDefault() {} }, 0);
    // Like Electron, quitting ends the process even with handles still open; let pending output flush first.
    setImmediate(() => process.exit(0));
  }
  exit(exitCode = 0): void {
    this.quitting = true;
    process.exit(exitCode);
  }
  getLoginItemSettings(): E.LoginItemSettings {
    return { openAtLogin: false } as E.LoginItemSettings;
  }
  setLoginItemSettings(): void {}
}

export const app = new StandInApp();

/** The module the shell gets for `require('electron')`: every name must be one Electron exports. */
export const electronStandIn = {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  nativeTheme,
  Notification,
  protocol,
  safeStorage,
  screen,
  session,
  shell,
  Tray,
} satisfies Partial<Record<keyof typeof E, unknown>>;
