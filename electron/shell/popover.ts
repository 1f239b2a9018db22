/**
 * The app's one window. With a tray (macOS, Windows) it is a popover: frameless, fixed size, placed next to
 * the tray icon (popover-position.ts), hidden when it loses focus, toggled by clicking the icon. Without a
 * usable tray — Linux, where the icon's bounds are unknown, a desktop without a status area, or
 * `--no-tray` — it is a normal window that remembers where it was.
 *
 * Security (Electron checklist, docs/security-review.md): the webPreferences of web-preferences.ts (context
 * isolation, sandbox, no Node, web security on, no webview); the preload exposes only the Bridge.
 * Navigation, new windows and permissions are handled in security.ts.
 */
import { BrowserWindow, nativeTheme, screen, type Rectangle, type WebFrameMain } from 'electron';
import { appPageUrl, isAppPageUrl, type AppPage } from './app-page';
import { isEmptyRect, popoverPosition } from './popover-position';
import type { SettingsStore } from './settings';
import { appWebPreferences } from './web-preferences';

export type WindowMode = 'popover' | 'window';

export const POPOVER_SIZE = { width: 360, height: 480 } as const;
const WINDOW_SIZE = { width: 400, height: 600 } as const;
/** A click on the tray icon first blurs (and hides) the open popover; that click must not reopen it. */
const BLUR_GRACE_MS = 250;

export interface AppWindowOptions {
  mode: WindowMode;
  page: AppPage;
  preloadPath: string;
  settings: SettingsStore;
  /** Window icon (Linux, Windows). */
  iconPath?: string;
  /** Called when a normal window without a tray is closed: then there is nothing left to show, so the app quits. */
  onClosedWithoutTray?: () => void;
  hasTray: boolean;
  log: (line: string) => void;
}

export interface AppWindow {
  readonly mode: WindowMode;
  readonly window: BrowserWindow;
  show(trayBounds?: Rectangle): void;
  hide(): void;
  toggle(trayBounds?: Rectangle): void;
  /** The one sender check of the IPC layer: our window's main frame, showing our page. */
  isOwnMainFrame(frame: WebFrameMain | null | undefined): boolean;
  /** After this the window really closes (quitting). */
  allowClose(): void;
}

function visibleOnSomeDisplay(b: Rectangle): boolean {
  const wa = screen.getDisplayMatching(b).workArea;
  const overlapX = Math.min(b.x + b.width, wa.x + wa.width) - Math.max(b.x, wa.x);
  const overlapY = Math.min(b.y + b.height, wa.y + wa.height) - Math.max(b.y, wa.y);
  return overlapX >= 100 && overlapY >= 50;
}

export function createAppWindow(opts: AppWindowOptions): AppWindow {
  const popover = opts.mode === 'popover';
  const saved = opts.settings.get('windowBounds');
  const restore = !popover && saved && visibleOnSomeDisplay(saved) ? saved : undefined;

  const win = new BrowserWindow({
    ...(popover ? POPOVER_SIZE : WINDOW_SIZE),
    ...(restore ?? {}),
    minWidth: popover ? undefined : 340,
    minHeight: popover ? undefined : 420,
    show: false,
    title: 'Keybridge',
    icon: opts.iconPath,
    frame: !popover,
    resizable: !popover,
    movable: !popover,
    minimizable: !popover,
    maximizable: false,
    fullscreenable: false,
    skipTaskbar: popover,
    alwaysOnTop: popover,
    backgroundColor: nativeTheme.shouldUseDarkColors ? '#1e1e1e' : '#ffffff',
    autoHideMenuBar: true,
    webPreferences: appWebPreferences(opts.preloadPath),
  });
  if (popover) win.setVisibleOnAllWorkspaces(true, { visibleOnFullScreen: true });
  win.removeMenu();

  let closing = false;
  let hiddenByBlurAt = 0;

  if (popover) {
    win.on('blur', () => {
      if (win.webContents.isDevToolsOpened()) return;
      hiddenByBlurAt = Date.now();
      win.hide();
    });
  } else {
    let saveTimer: NodeJS.Timeout | undefined;
    const saveBounds = () => {
      clearTimeout(saveTimer);
      saveTimer = setTimeout(() => {
        if (!win.isDestroyed() && !win.isMinimized())
          opts.settings.set('windowBounds', win.getNormalBounds());
      }, 500);
    };
    win.on('moved', saveBounds);
    win.on('resized', saveBounds);
  }

  win.on('close', (event) => {
    if (!popover && !win.isDestroyed()) opts.settings.set('windowBounds', win.getNormalBounds());
    if (closing) return;
    if (!opts.hasTray) {
      // Nothing else to show this app by: closing the window quits it.
      event.preventDefault();
      opts.onClosedWithoutTray?.();
      return;
    }
    // With a tray the app keeps running (docs/design.md "User jobs": tray app); the window only hides.
    event.preventDefault();
    win.hide();
  });

  let reloads = 0;
  win.webContents.on('render-process-gone', (_e, details) => {
    opts.log(`window: renderer ended (${details.reason})`);
    // Reload a crashed page a few times, not forever: a page that always crashes would spin the CPU.
    if (details.reason !== 'clean-exit' && reloads < 3 && !win.isDestroyed()) {
      reloads += 1;
      void win.loadURL(appPageUrl(opts.page));
    }
  });

  // The built UI comes from the app's own scheme (app-protocol.ts), never from file://.
  void win.loadURL(appPageUrl(opts.page));

  const place = (trayBounds?: Rectangle) => {
    if (!popover) return;
    const anchor = trayBounds && !isEmptyRect(trayBounds) ? trayBounds : undefined;
    const point = anchor
      ? { x: Math.round(anchor.x + anchor.width / 2), y: Math.round(anchor.y + anchor.height / 2) }
      : screen.getCursorScreenPoint();
    const { workArea } = screen.getDisplayNearestPoint(point);
    const { x, y } = popoverPosition(anchor, POPOVER_SIZE, workArea);
    win.setBounds({ x, y, ...POPOVER_SIZE });
  };

  const show = (trayBounds?: Rectangle) => {
    if (win.isDestroyed()) return;
    place(trayBounds);
    if (win.isMinimized()) win.restore();
    win.show();
    win.focus();
  };
  const hide = () => {
    if (!win.isDestroyed()) win.hide();
  };

  return {
    mode: opts.mode,
    window: win,
    show,
    hide,
    toggle(trayBounds) {
      if (win.isDestroyed()) return;
      if (win.isVisible() && win.isFocused()) hide();
      else if (popover && Date.now() - hiddenByBlurAt < BLUR_GRACE_MS) return;
      else show(trayBounds);
    },
    isOwnMainFrame(frame) {
      if (!frame || win.isDestroyed()) return false;
      const main = win.webContents.mainFrame;
      return (
        frame.processId === main.processId &&
        frame.routingId === main.routingId &&
        frame.parent === null &&
        isAppPageUrl(frame.url, opts.page)
      );
    },
    allowClose() {
      closing = true;
    },
  };
}
