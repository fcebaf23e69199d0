import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    pool: 'forks',
    // The JSON report feeds the one-line summary .ci/run prints; the skip-notes reporter ends the
    // run by naming the tests skipped on purpose (no Chromium) and how to install what they need.
    reporters: [
      'default',
      './test/helpers/skip-notes-reporter.ts',
      ['json', { outputFile: 'test-output/vitest.json' }],
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
