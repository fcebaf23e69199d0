// `aviso --version` and `aviso -V` print the version in package.json, and need no database.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

const run = promisify(execFile);
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

it.each(['--version', '-V'])('aviso %s prints the version from package.json', async (flag) => {
  const { stdout, stderr } = await run(process.execPath, ['bin/aviso.js', flag], {
    env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' },
  });
  expect(stdout.trim()).toBe(version);
  expect(stderr).toBe('');
});
