import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Layer rules (docs/design.md "Layout"). `no-restricted-imports` matches the import string as written, so
// each rule names the relative paths that climb out of a folder into a forbidden one (`../../headless/web/x`).
// The patterns ignore depth: from `core/api/x.ts`, `../headless` would name a `core/headless` that does not
// exist, so matching it too costs nothing. A file gets the rule options of the last block that matches it, so
// every block below lists all the restrictions that hold for its files.
const up = (folders) => `^(\\.\\./)+(${folders.join('|')})(/|$)`;

// Only the desktop shell may import `electron`: from Electron 42 on, `require('electron')` in plain Node
// tries to download the binary, and the core must run (and be tested) without it.
const ELECTRON = {
  paths: [
    {
      name: 'electron',
      message: 'Only electron/shell, electron/main.ts and electron/preload.ts may import electron.',
    },
  ],
  patterns: [{ group: ['electron/*'], message: 'Only the desktop shell may import electron.' }],
};
// The core is what every shell shares: it knows no shell, no UI and no tool-side client.
const CORE_OUTWARD = {
  regex: up(['electron', 'headless', 'cli', 'renderer', 'client']),
  message:
    'core/ imports nothing from electron/, headless/, cli/, renderer/ or client/ (docs/design.md "Layout").',
};
const CORE_SELF_REFERENCE = {
  regex: '^keybridge(/|$)',
  message: 'core/ does not import the keybridge package (its client is for tools, not for the core).',
};
// The contract is transport-free: the broker carries it, not the other way round.
const API_TO_BROKER = {
  regex: '^\\.\\./broker(/|$)',
  message: 'core/api is the contract; it imports nothing from core/broker, one of its transports.',
};
// The desktop shell and the headless host are siblings; what both need lives in core/.
const SHELL_TO_HEADLESS = {
  regex: up(['headless']),
  message:
    'electron/shell does not import headless/: move what both need into core/ (docs/design.md "Layout").',
};
// Test helpers and fixtures are for tests: nothing that ships may depend on them.
const PRODUCTION_TO_TEST = {
  regex: '^(\\./|(\\.\\./)+)test(/|$)',
  message: 'Production code imports nothing from test/ (helpers and fixtures are for tests only).',
};

/** One `no-restricted-imports` setting made of the given path rules and pattern rules. */
function restrict({ paths = [], patterns = [] }) {
  return { 'no-restricted-imports': ['error', { paths, patterns }] };
}

// Where production code ends: tests, their support, Playwright specs, benchmarks and the test runners'
// configuration may reach anything (but `electron`).
const TEST_FILES = [
  '**/*.test.ts',
  '**/*.test.tsx',
  'test/**',
  'e2e/**',
  'bench/**',
  'playwright.config.ts',
  'vitest.config.ts',
  'vitest.stress.config.ts',
];
const SHELL_FILES = ['electron/shell/**', 'electron/main.ts', 'electron/preload.ts'];

const layerRules = [
  // Every production file: no `electron` (the shell's blocks lift that below), nothing from test/.
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    rules: restrict({ paths: ELECTRON.paths, patterns: [...ELECTRON.patterns, PRODUCTION_TO_TEST] }),
  },
  {
    files: ['core/**'],
    rules: restrict({
      paths: ELECTRON.paths,
      patterns: [...ELECTRON.patterns, PRODUCTION_TO_TEST, CORE_OUTWARD, CORE_SELF_REFERENCE],
    }),
  },
  {
    files: ['core/api/**'],
    rules: restrict({
      paths: ELECTRON.paths,
      patterns: [...ELECTRON.patterns, PRODUCTION_TO_TEST, CORE_OUTWARD, CORE_SELF_REFERENCE, API_TO_BROKER],
    }),
  },
  // The desktop shell may import `electron`, and only it.
  { files: SHELL_FILES, rules: restrict({ patterns: [PRODUCTION_TO_TEST] }) },
  { files: ['electron/shell/**'], rules: restrict({ patterns: [SHELL_TO_HEADLESS, PRODUCTION_TO_TEST] }) },
  // Tests wire the layers together and use test/; only `electron` stays out of them, as it always did
  // outside the shell's own folder.
  { files: TEST_FILES, ignores: SHELL_FILES, rules: restrict(ELECTRON) },
  { files: ['electron/shell/**/*.test.ts'], rules: { 'no-restricted-imports': 'off' } },
];

// The Electron security checklist (docs/security-review.md), as far as syntax can hold it: no webPreferences
// that turn a protection off, no Blink features, no file:// page, no raw ipcRenderer handed to the page.
const electronChecklist = {
  'no-restricted-syntax': [
    'error',
    {
      selector:
        'Property[key.name=/^(nodeIntegration|nodeIntegrationInWorker|nodeIntegrationInSubFrames|allowRunningInsecureContent|experimentalFeatures|webviewTag)$/][value.value=true]',
      message: 'Electron security checklist (docs/security-review.md): this webPreference stays false.',
    },
    {
      selector: 'Property[key.name=/^(contextIsolation|sandbox|webSecurity)$/][value.value=false]',
      message: 'Electron security checklist (docs/security-review.md): this webPreference stays true.',
    },
    {
      selector: "Property[key.name='enableBlinkFeatures']",
      message: 'Electron security checklist item 10: no enableBlinkFeatures.',
    },
    {
      selector: "CallExpression[callee.property.name='loadFile']",
      message:
        'Electron security checklist item 18: load the UI from the app scheme (app-protocol.ts), not file://.',
    },
    {
      selector: "CallExpression[callee.property.name='exposeInMainWorld'] Identifier[name='ipcRenderer']",
      message: 'Electron security checklist item 20: expose the Bridge functions, never ipcRenderer.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'out/**',
      'release/**',
      'test-results/**',
      'playwright-report/**',
      'e2e-output/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  ...layerRules,
  { files: ['electron/shell/**', 'electron/main.ts', 'electron/preload.ts'], rules: electronChecklist },
  { files: ['renderer/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
