import { defineConfig } from 'vitest/config';

/**
 * `npm run test:stress`: the long-running hardening tests of test/stress (kill -9 during refreshes, broker
 * fuzzing), kept out of `npm test` for their length; CI runs both (.ci/run).
 */
export default defineConfig({
  test: {
    include: ['test/stress/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 60_000,
    // Each file drives real host processes hard: one file at a time keeps the timing-sensitive ones honest.
    fileParallelism: false,
  },
});
