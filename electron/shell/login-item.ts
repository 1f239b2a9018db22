/**
 * "Start at login". macOS and Windows have login items (`app.setLoginItemSettings`); on Linux Electron's
 * call does nothing, so an XDG autostart entry is written instead.
 */
import { app } from 'electron';
import { launchCommand } from './desktop-entry';
import { isAutostartEnabled, setAutostart } from './linux-desktop-file';

export function thisAppCommand(): string[] {
  return launchCommand({
    execPath: process.execPath,
    appImage: process.env.APPIMAGE,
    defaultApp: process.defaultApp === true,
    appPath: app.getAppPath(),
  });
}

export async function getStartAtLogin(): Promise<boolean> {
  if (process.platform === 'linux') return isAutostartEnabled();
  return app.getLoginItemSettings().openAtLogin;
}

export async function setStartAtLogin(enabled: boolean): Promise<void> {
  if (process.platform === 'linux') {
    await setAutostart(enabled, thisAppCommand());
    return;
  }
  if (process.platform === 'win32' && process.defaultApp) {
    // Development: the login item must start electron.exe with the app folder (quoted, as the docs ask).
    app.setLoginItemSettings({
      openAtLogin: enabled,
      path: process.execPath,
      args: [`"${app.getAppPath()}"`],
    });
    return;
  }
  app.setLoginItemSettings({ openAtLogin: enabled });
}
