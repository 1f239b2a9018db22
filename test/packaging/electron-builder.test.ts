/**
 * The packaging configuration holds what docs/security-review.md promises for the packaged app (Electron
 * security checklist item 19): electron-builder accepts electron-builder.yml as valid, and its fuses turn off
 * running as Node, NODE_OPTIONS, --inspect and file:// privileges, and load the app only from an
 * integrity-checked app.asar. (Flipping them needs the Electron binary; this checks what will be flipped.)
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/host';

// electron-builder's own parser and validator, as `npm run package` uses them.
const fromBuilder = createRequire(createRequire(import.meta.url).resolve('app-builder-lib/package.json'));
const yaml = fromBuilder('js-yaml') as { load(text: string): Record<string, unknown> };
const { validateConfiguration } = fromBuilder('./out/util/config/config') as {
  validateConfiguration(config: unknown, log: unknown): Promise<void>;
};
const { DebugLogger } = fromBuilder('builder-util') as { DebugLogger: new () => unknown };

describe('electron-builder.yml', () => {
  it('is valid for electron-builder and flips the fuses the security review lists', async () => {
    const config = yaml.load(await readFile(join(ROOT, 'electron-builder.yml'), 'utf8'));
    await expect(validateConfiguration(config, new DebugLogger())).resolves.toBeUndefined();
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
    // The app is packed into app.asar (onlyLoadAppFromAsar needs it).
    expect(config.asar).not.toBe(false);
  });

  it('declares keybridge:// for every platform: Info.plist and the desktop entry, and the NSIS registry keys', async () => {
    const config = yaml.load(await readFile(join(ROOT, 'electron-builder.yml'), 'utf8'));
    // macOS CFBundleURLTypes and the Linux entry's MimeType=x-scheme-handler/keybridge come from `protocols`.
    expect(config.protocols).toEqual([{ name: 'Keybridge', schemes: ['keybridge'] }]);
    const nsis = config.nsis as { include?: string; perMachine?: boolean };
    expect(nsis.perMachine).toBe(false);
    const script = await readFile(join(ROOT, nsis.include ?? 'missing'), 'utf8');
    const install = /!macro customInstall([\s\S]*?)!macroend/.exec(script)?.[1] ?? '';
    const uninstall = /!macro customUnInstall([\s\S]*?)!macroend/.exec(script)?.[1] ?? '';
    // Per user, where app.setAsDefaultProtocolClient writes too; "%1" is the URL Windows hands over.
    expect(install).toContain('WriteRegStr HKCU "Software\\Classes\\keybridge" "URL Protocol" ""');
    expect(install).toContain(
      'WriteRegStr HKCU "Software\\Classes\\keybridge\\shell\\open\\command" "" \'"$INSTDIR\\${APP_EXECUTABLE_FILENAME}" "%1"\'',
    );
    expect(uninstall).toContain('DeleteRegKey HKCU "Software\\Classes\\keybridge"');
  });
});
