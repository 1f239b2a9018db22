import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'core/**/*.test.ts',
      'client/**/*.test.ts',
      'headless/**/*.test.ts',
      'electron/**/*.test.ts',
      'cli/**/*.test.ts',
      'renderer/**/*.test.{ts,tsx}',
      'test/**/*.test.ts',
    ],
    // The long hardening tests (kill -9, fuzzing, idle wake-ups) run with `npm run test:stress`.
    exclude: [...configDefaults.exclude, 'test/stress/**'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start real servers, Chromium and child processes: keep the 2-core machine calm.
    maxWorkers: 2,
  },
});
