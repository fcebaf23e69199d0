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
    // One master key for every test and every CLI process they spawn, so none of them writes a
    // keyring file into the working directory's ./.aviso (test/secrets.test.ts covers that mode).
    env: { AVISO_MASTER_KEY: 'test:JrASDwB348IJ/jG6ySEZWmEQ5VvGRQrcu2OleLQ1MAk=' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
