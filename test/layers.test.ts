/**
 * The layer rules of docs/design.md "Layout" are lint rules (eslint.config.js), so breaking one fails
 * `npm run lint`. Each rule is proved to fire: a small probe source that breaks it, linted as if it sat in
 * the forbidden place, must get a `no-restricted-imports` error, and the same kind of import from a place
 * where it is allowed must pass.
 */
import { ESLint } from 'eslint';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The layer-rule messages ESLint reports for `code` placed at `filePath` (relative to the repository). */
async function layerErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, filePath), warnIgnored: true });
  if (!result) throw new Error(`ESLint returned no result for ${filePath}`);
  expect(result.messages.filter((m) => m.fatal)).toEqual([]);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const probe = (from: string) => `import * as probe from '${from}';\nexport { probe };\n`;

describe('core/ imports nothing from electron/, headless/, cli/, renderer/ or client/', () => {
  it.each([
    ['core/host-probe.ts', '../headless/serve'],
    ['core/api/probe.ts', '../../headless/web/server'],
    ['core/session/probe.ts', '../../electron/shell/tray'],
    ['core/broker/probe.ts', '../../cli/keybridge'],
    ['core/account/probe.ts', '../../renderer/store'],
    ['core/tools/probe.ts', '../../client/index'],
    ['core/tools/probe.ts', 'keybridge/client'],
  ])('%s importing %s is an error', async (file, from) => {
    const errors = await layerErrors(file, probe(from));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/core\/|keybridge package/);
  });

  it('imports within core/ pass', async () => {
    expect(await layerErrors('core/api/probe.ts', probe('../session/session'))).toEqual([]);
    expect(await layerErrors('core/host-probe.ts', probe('./vault/vault'))).toEqual([]);
  });

  it('core/api, the contract, imports nothing from core/broker, one of its transports', async () => {
    expect(await layerErrors('core/api/probe.ts', probe('../broker/jsonrpc'))).toHaveLength(1);
    expect(await layerErrors('core/tools/probe.ts', probe('../broker/jsonrpc'))).toEqual([]);
  });

  it('a core test may use the shells it tests against', async () => {
    expect(await layerErrors('core/api/probe.test.ts', probe('../../headless/serve'))).toEqual([]);
  });
});

describe('electron/shell does not import headless/', () => {
  it('an import of headless/ from the shell is an error', async () => {
    const errors = await layerErrors('electron/shell/probe.ts', probe('../../headless/web/static-files'));
    expect(errors).toEqual([expect.stringContaining('electron/shell does not import headless/')]);
  });

  it('the shared piece, from core/, passes', async () => {
    expect(await layerErrors('electron/shell/probe.ts', probe('../../core/static-path'))).toEqual([]);
  });
});

describe('no production file imports from test/', () => {
  it.each([
    ['cli/probe.ts', '../test/support/oidc-server'],
    ['core/vault/probe.ts', '../../test/support/vault-fixtures'],
    ['headless/web/probe.ts', '../../test/support/browser'],
    ['electron/shell/probe.ts', '../../test/support/chromium'],
    ['renderer/lib/probe.ts', '../../test/support/chromium'],
    ['scripts/probe.mjs', '../test/support/chromium'],
    ['probe.config.ts', './test/support/chromium'],
  ])('%s importing %s is an error', async (file, from) => {
    expect(await layerErrors(file, probe(from))).toEqual([
      expect.stringContaining('imports nothing from test/'),
    ]);
  });

  it.each([
    ['cli/probe.test.ts', '../test/support/oidc-server'],
    ['test/integration/probe.test.ts', '../support/oidc-server'],
    ['e2e/probe.spec.ts', '../test/support/chromium'],
    ['bench/probe.mjs', '../test/support/chromium'],
    ['playwright.config.ts', './test/support/chromium'],
  ])('tests and their tooling may: %s importing %s passes', async (file, from) => {
    expect(await layerErrors(file, probe(from))).toEqual([]);
  });
});

describe('only electron/main.ts, electron/preload.ts and electron/shell import electron', () => {
  it.each([
    'core/host-probe.ts',
    'headless/probe.ts',
    'cli/probe.ts',
    'renderer/probe.tsx',
    'test/probe.test.ts',
  ])('%s importing electron is an error', async (file) => {
    expect(await layerErrors(file, probe('electron'))).toEqual([
      expect.stringContaining('Only electron/shell, electron/main.ts and electron/preload.ts'),
    ]);
  });

  it.each(['electron/main.ts', 'electron/preload.ts', 'electron/shell/probe.ts'])(
    '%s importing electron passes',
    async (file) => {
      expect(await layerErrors(file, probe('electron'))).toEqual([]);
    },
  );
});
