/**
 * The renderer built by Vite from the current sources into a temporary folder, and Debian's Chromium to open
 * it in: what every in-process browser test starts from (npm test builds dist/renderer too, but a test run on
 * its own must not load a stale build).
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { build } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

const repo = resolve(import.meta.dirname, '../..');
/** Where browser tests leave their screenshots. */
export const SCREENSHOTS = join(repo, 'test-results');

export interface BuiltRenderer {
  /** The built renderer: the web UI's static folder. */
  outDir: string;
  browser: Browser;
  close(): Promise<void>;
}

export async function builtRendererInChromium(prefix: string): Promise<BuiltRenderer> {
  const outDir = await mkdtemp(join(tmpdir(), prefix));
  await build({
    configFile: join(repo, 'vite.config.ts'),
    logLevel: 'silent',
    build: { outDir, emptyOutDir: true },
  });
  await mkdir(SCREENSHOTS, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  return {
    outDir,
    browser,
    async close() {
      await browser.close();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
