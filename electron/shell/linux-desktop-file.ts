/**
 * Linux registration of the `keybridge://` scheme (RFC 8252 §7.1 private-use URI scheme redirect) and of
 * "Start at login". Electron's `setAsDefaultProtocolClient` on Linux only points xdg-settings at a desktop
 * file it assumes is installed; an AppImage has none, and its binary lives in a mount that vanishes when
 * the app quits. So the app writes its own entry to ~/.local/share/applications, with the AppImage file
 * (`$APPIMAGE`) as Exec when there is one, and makes it the default handler with `xdg-mime`.
 * Node only (no electron import): tested with real files and the real xdg-mime.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { autostartEntry, DESKTOP_FILE_NAME, schemeHandlerEntry, SCHEME_MIME_TYPE } from './desktop-entry';

type Env = Record<string, string | undefined>;

export function dataHome(env: Env): string {
  return env.XDG_DATA_HOME || join(env.HOME || homedir(), '.local', 'share');
}

export function configHome(env: Env): string {
  return env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
}

function run(cmd: string, args: string[], env: Env): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: env as NodeJS.ProcessEnv, timeout: 5_000 }, (err, stdout, stderr) => {
      resolve({ ok: !err, output: `${stdout}${stderr}`.trim() || (err ? err.message : '') });
    });
  });
}

/** Writes `path` only when its content changes, so a start does not touch the file every time. */
async function writeIfChanged(path: string, content: string): Promise<boolean> {
  const current = await readFile(path, 'utf8').catch(() => undefined);
  if (current === content) return false;
  await writeFile(path, content, { mode: 0o644 });
  return true;
}

export interface RegistrationResult {
  desktopFile: string;
  /** The entry was (re)written by this call. */
  written: boolean;
  /** `xdg-mime default` succeeded: `keybridge://` links now open Keybridge. */
  defaultSet: boolean;
  /** Why it did not, in words, for the log. */
  detail?: string;
}

export interface RegisterOptions {
  /** From `launchCommand()`. */
  command: string[];
  /** A PNG of the app icon to install as the `keybridge` icon (best effort). */
  iconPng?: string;
  env?: Env;
}

export async function registerSchemeHandler(opts: RegisterOptions): Promise<RegistrationResult> {
  const env = opts.env ?? process.env;
  const appsDir = join(dataHome(env), 'applications');
  const desktopFile = join(appsDir, DESKTOP_FILE_NAME);
  await mkdir(appsDir, { recursive: true });

  let icon = 'keybridge';
  if (opts.iconPng) {
    const iconDir = join(dataHome(env), 'icons', 'hicolor', '256x256', 'apps');
    try {
      await mkdir(iconDir, { recursive: true });
      await copyFile(opts.iconPng, join(iconDir, 'keybridge.png'));
    } catch {
      icon = opts.iconPng;
    }
  }

  const written = await writeIfChanged(desktopFile, schemeHandlerEntry({ command: opts.command, icon }));
  if (written) await run('update-desktop-database', [appsDir], env);
  const mime = await run('xdg-mime', ['default', DESKTOP_FILE_NAME, SCHEME_MIME_TYPE], env);
  return {
    desktopFile,
    written,
    defaultSet: mime.ok,
    detail: mime.ok ? undefined : `xdg-mime default failed: ${mime.output || 'not installed'}`,
  };
}

export function autostartFile(env: Env = process.env): string {
  return join(configHome(env), 'autostart', DESKTOP_FILE_NAME);
}

export async function isAutostartEnabled(env: Env = process.env): Promise<boolean> {
  const text = await readFile(autostartFile(env), 'utf8').catch(() => '');
  return text.includes('[Desktop Entry]') && !/^Hidden=true$/m.test(text);
}

export async function setAutostart(
  enabled: boolean,
  command: string[],
  env: Env = process.env,
): Promise<void> {
  const file = autostartFile(env);
  if (!enabled) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(join(configHome(env), 'autostart'), { recursive: true });
  await writeIfChanged(file, autostartEntry({ command }));
}
