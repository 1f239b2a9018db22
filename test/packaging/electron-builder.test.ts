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
});
