import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execLine, launchCommand, quoteExecArg, schemeHandlerEntry } from './desktop-entry';
import { isAutostartEnabled, registerSchemeHandler, setAutostart } from './linux-desktop-file';

describe('desktop entry text', () => {
  it('quotes Exec arguments as the Desktop Entry spec asks', () => {
    expect(quoteExecArg('/opt/Keybridge/keybridge')).toBe('/opt/Keybridge/keybridge');
    expect(quoteExecArg('/home/ada/Apps/Key Bridge.AppImage')).toBe('"/home/ada/Apps/Key Bridge.AppImage"');
    expect(quoteExecArg('/tmp/$x`y"z')).toBe('"/tmp/\\$x\\`y\\"z"');
    expect(quoteExecArg('/tmp/100%')).toBe('/tmp/100%%');
    expect(() => quoteExecArg('/tmp/a\nExec=evil')).toThrow();
    // Backslashes are escaped twice: once inside the quotes, once as a string value.
    expect(execLine(['/tmp/a\\b'], '%u')).toBe('"/tmp/a\\\\\\\\b" %u');
  });

  it('runs the AppImage file, not the binary inside its temporary mount', () => {
    const base = {
      execPath: '/tmp/.mount_KeybrXYZ/keybridge',
      defaultApp: false,
      appPath: '/tmp/.mount_KeybrXYZ/resources/app.asar',
    };
    expect(launchCommand({ ...base, appImage: '/home/ada/Keybridge.AppImage' })).toEqual([
      '/home/ada/Keybridge.AppImage',
    ]);
    expect(launchCommand(base)).toEqual([base.execPath]);
    expect(
      launchCommand({ ...base, execPath: '/x/electron', defaultApp: true, appPath: '/src/keybridge' }),
    ).toEqual(['/x/electron', '/src/keybridge']);
  });

  it('declares the keybridge scheme and passes the URL as one argument', () => {
    const text = schemeHandlerEntry({ command: ['/home/ada/My Apps/Keybridge.AppImage'] });
    expect(text).toContain('MimeType=x-scheme-handler/keybridge;\n');
    expect(text).toContain('Exec="/home/ada/My Apps/Keybridge.AppImage" %u\n');
  });
});

describe('registerSchemeHandler and autostart (real files, real xdg-mime)', () => {
  let root: string;
  let env: Record<string, string | undefined>;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'kb-desktop-'));
    env = {
      PATH: process.env.PATH,
      HOME: root,
      XDG_DATA_HOME: join(root, 'data'),
      XDG_CONFIG_HOME: join(root, 'config'),
      XDG_DATA_DIRS: join(root, 'data'),
      XDG_CURRENT_DESKTOP: '',
    };
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes the handler entry for the AppImage and makes it the default for keybridge://', async () => {
    const icon = join(root, 'icon.png');
    await writeFile(icon, 'png');
    const first = await registerSchemeHandler({
      command: ['/home/ada/Keybridge.AppImage'],
      iconPng: icon,
      env,
    });
    expect(first.written).toBe(true);
    const text = await readFile(first.desktopFile, 'utf8');
    expect(first.desktopFile).toBe(join(root, 'data', 'applications', 'keybridge.desktop'));
    expect(text).toContain('Exec=/home/ada/Keybridge.AppImage %u');
    expect(text).toContain('MimeType=x-scheme-handler/keybridge;');
    expect(existsSync(join(root, 'data', 'icons', 'hicolor', '256x256', 'apps', 'keybridge.png'))).toBe(true);

    const hasXdgMime = (() => {
      try {
        execFileSync('which', ['xdg-mime'], { stdio: 'ignore' });
        return true;
      } catch {
        return false;
      }
    })();
    if (hasXdgMime) {
      expect(first.defaultSet).toBe(true);
      const answer = execFileSync('xdg-mime', ['query', 'default', 'x-scheme-handler/keybridge'], {
        env: env as NodeJS.ProcessEnv,
      });
      expect(answer.toString().trim()).toBe('keybridge.desktop');
    } else {
      expect(first.defaultSet).toBe(false);
      expect(first.detail).toMatch(/xdg-mime/);
    }

    const again = await registerSchemeHandler({ command: ['/home/ada/Keybridge.AppImage'], env });
    expect(again.written).toBe(false);
    const moved = await registerSchemeHandler({ command: ['/home/ada/Downloads/Keybridge.AppImage'], env });
    expect(moved.written).toBe(true);
  });

  it('turns start-at-login on and off with an XDG autostart entry', async () => {
    expect(await isAutostartEnabled(env)).toBe(false);
    await setAutostart(true, ['/opt/Keybridge/keybridge'], env);
    expect(await isAutostartEnabled(env)).toBe(true);
    const text = await readFile(join(root, 'config', 'autostart', 'keybridge.desktop'), 'utf8');
    expect(text).toContain('Exec=/opt/Keybridge/keybridge\n');
    await setAutostart(false, ['/opt/Keybridge/keybridge'], env);
    expect(await isAutostartEnabled(env)).toBe(false);
  });
});
