// The skip-notes reporter: a test skipped with a note is named at the end of the run under that
// note (so `npm test` says what it did not run and how to install what it needs); tests left
// out by a filter are not. The end-to-end case runs Vitest on a small file that skips.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { skipSummary } from './helpers/skip-notes-reporter.ts';

const run = promisify(execFile);

describe('skipSummary', () => {
  it('groups skipped tests under their note, with a count', () => {
    expect(
      skipSummary([
        { name: 'a.test.ts > one', note: 'no Chromium: apt-get install chromium' },
        { name: 'b.test.ts > two', note: 'no Chromium: apt-get install chromium' },
        { name: 'c.test.ts > three', note: 'no network' },
      ]),
    ).toBe(
      [
        'Skipped 2 tests: no Chromium: apt-get install chromium',
        '  a.test.ts > one',
        '  b.test.ts > two',
        'Skipped 1 test: no network',
        '  c.test.ts > three',
      ].join('\n'),
    );
    expect(skipSummary([])).toBe('');
  });
});

describe('a Vitest run with the reporter', () => {
  it('ends by naming the tests skipped with a note, and only those', async () => {
    const dir = resolve('test-output', 'skip-notes');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'sample.test.ts'),
      [
        "import { it } from 'vitest';",
        "it('runs', () => {});",
        "it('needs a tool', (context) => context.skip(true, 'no tool: apt-get install tool'));",
        "it.skip('is left out', () => {});",
      ].join('\n'),
    );
    // A config of its own: none of the project's setup (PostgreSQL) or other reporters.
    writeFileSync(join(dir, 'vitest.config.ts'), 'export default {};\n');
    const { stdout } = await run(
      process.execPath,
      [
        'node_modules/vitest/vitest.mjs',
        'run',
        '--root',
        dir,
        '--config',
        join(dir, 'vitest.config.ts'),
        '--reporter=default',
        `--reporter=${resolve('test/helpers/skip-notes-reporter.ts')}`,
      ],
      { env: { ...process.env, NO_COLOR: '1', CI: 'true' } },
    );
    expect(stdout).toContain(
      'Skipped 1 test: no tool: apt-get install tool\n  sample.test.ts > needs a tool\n',
    );
    expect(stdout).not.toContain('> is left out');
  });
});
