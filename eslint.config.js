import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

// Only the desktop shell may import `electron`: from Electron 42 on, `require('electron')` in plain Node
// tries to download the binary, and the core must run (and be tested) without it.
const noElectron = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        {
          name: 'electron',
          message: 'Only electron/shell, electron/main.ts and electron/preload.ts may import electron.',
        },
      ],
      patterns: [{ group: ['electron/*'], message: 'Only the desktop shell may import electron.' }],
    },
  ],
};

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
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    ignores: ['electron/shell/**', 'electron/main.ts', 'electron/preload.ts'],
    rules: noElectron,
  },
  { files: ['electron/shell/**', 'electron/main.ts', 'electron/preload.ts'], rules: electronChecklist },
  // The Electron stand-in of the shell contract tests is typed against electron.d.ts: types only, never the module.
  {
    files: ['test/support/electron-stand-in/**'],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'electron',
              message: 'The stand-in may import only types from electron.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  { files: ['renderer/**'], languageOptions: { globals: { ...globals.browser } } },
  { files: ['**/*.cjs'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
);
