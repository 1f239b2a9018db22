/**
 * The tray icon: one of five icons for the session state (and a reached usage limit), a tooltip naming the
 * account and plan, and the menu from tray-menu.ts (with the accounts to switch between). Left click toggles the popover (where the platform reports clicks).
 *
 * Platform notes: macOS shows a menu set with `setContextMenu` on every click, which would swallow the
 * popover click, so there the menu is popped up on right click instead. Linux (libappindicator) shows only
 * a menu set with `setContextMenu` and reads it once, so it is set again after every change.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Menu,
  nativeImage,
  nativeTheme,
  Tray,
  type MenuItemConstructorOptions,
  type NativeImage,
  type Rectangle,
} from 'electron';
import type { AccountList, Status } from '../../core/api/contract';
import { trayMenuModel, type TrayAction, type TrayMenuItem } from './tray-menu';
import { trayIconFile, trayIconState, trayTooltip, type TrayIconState } from './tray-state';

export interface TrayOptions {
  /** Folder with the tray PNGs (build/icons/tray, copied next to the main bundle). */
  iconDir: string;
  onAction(action: TrayAction, checked?: boolean): void;
  /** An account chosen in the menu's list: make it the active one. */
  onSwitchAccount(accountId: string): void;
  /** Left click, with the icon's bounds where the platform gives them. */
  onClick(bounds: Rectangle | undefined): void;
  loginItemSupported: boolean;
}

export interface TrayController {
  update(status: Status | undefined): void;
  setStartAtLogin(enabled: boolean): void;
  setBusy(busy: boolean): void;
  setCodexSharing(enabled: boolean): void;
  setAccounts(list: AccountList): void;
  /** The icon's screen bounds; empty on Linux, where the platform does not report them. */
  bounds(): Rectangle | undefined;
  destroy(): void;
}

function loadIcon(dir: string, state: TrayIconState, dark: boolean): NativeImage {
  const file = join(dir, trayIconFile(state, process.platform, dark));
  // Read with fs (asar-aware) and build the image from bytes, with the @2x file as the high-DPI representation.
  const image = nativeImage.createFromBuffer(readFileSync(file), { scaleFactor: 1 });
  try {
    image.addRepresentation({ scaleFactor: 2, buffer: readFileSync(file.replace(/\.png$/, '@2x.png')) });
  } catch {
    // Only the 1x image: still fine.
  }
  if (process.platform === 'darwin') image.setTemplateImage(true);
  return image;
}

/** Creates the tray, or returns undefined where the desktop has no status area to put it in. */
export function createTray(opts: TrayOptions): TrayController | undefined {
  const cache = new Map<string, NativeImage>();
  const icon = (state: TrayIconState) => {
    const dark = nativeTheme.shouldUseDarkColors;
    const key = `${state}:${dark}`;
    let image = cache.get(key);
    if (!image) {
      image = loadIcon(opts.iconDir, state, dark);
      cache.set(key, image);
    }
    return image;
  };

  let tray: Tray;
  try {
    tray = new Tray(icon('signed-out'));
  } catch {
    return undefined;
  }

  let status: Status | undefined;
  let startAtLogin = false;
  let busy = false;
  let codexSharing: boolean | undefined;
  let accounts: AccountList | undefined;
  let menu: Menu | undefined;

  const toTemplate = (item: TrayMenuItem): MenuItemConstructorOptions => {
    switch (item.kind) {
      case 'status':
        return { label: item.label, enabled: false };
      case 'separator':
        return { type: 'separator' };
      case 'action':
        return { label: item.label, enabled: item.enabled, click: () => opts.onAction(item.action) };
      case 'checkbox':
        return {
          label: item.label,
          type: 'checkbox',
          checked: item.checked,
          enabled: item.enabled,
          click: (menuItem) => opts.onAction(item.action, menuItem.checked),
        };
      case 'account':
        // A radio item checks itself on click; the menu is built again from the host's answer either way.
        return {
          label: item.label,
          type: 'radio',
          checked: item.checked,
          enabled: item.enabled,
          click: () => {
            if (!item.checked) opts.onSwitchAccount(item.accountId);
          },
        };
    }
  };

  const render = () => {
    if (tray.isDestroyed()) return;
    tray.setImage(icon(trayIconState(status, accounts)));
    tray.setToolTip(trayTooltip(status, accounts));
    menu = Menu.buildFromTemplate(
      trayMenuModel(status, {
        openAtLogin: startAtLogin,
        loginItemSupported: opts.loginItemSupported,
        busy,
        codexSharing,
        accounts,
      }).map(toTemplate),
    );
    if (process.platform !== 'darwin') tray.setContextMenu(menu);
  };

  tray.on('click', (_event, bounds) => opts.onClick(bounds));
  if (process.platform === 'darwin') {
    tray.on('right-click', () => {
      if (menu) tray.popUpContextMenu(menu);
    });
  }
  const onTheme = () => {
    if (process.platform !== 'darwin') render();
  };
  nativeTheme.on('updated', onTheme);
  render();

  return {
    update(next) {
      status = next;
      render();
    },
    setStartAtLogin(enabled) {
      startAtLogin = enabled;
      render();
    },
    setBusy(next) {
      busy = next;
      render();
    },
    setCodexSharing(enabled) {
      codexSharing = enabled;
      render();
    },
    setAccounts(list) {
      accounts = list;
      render();
    },
    bounds() {
      if (tray.isDestroyed()) return undefined;
      const b = tray.getBounds();
      return b.width > 0 && b.height > 0 ? b : undefined;
    },
    destroy() {
      nativeTheme.off('updated', onTheme);
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
