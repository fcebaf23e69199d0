// `aviso --help` and `aviso start --help` through the real CLI: each prints every setting with
// its default and its text, the same data the README's table is written from.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { settingDocs } from '../src/config/index.ts';

const run = promisify(execFile);
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe.each([[['--help']], [['start', '--help']], [['worker', '--help']]])('aviso %j', (args) => {
  it('lists every setting with its default and text', async () => {
    const { stdout } = await run(process.execPath, ['bin/aviso.js', ...args]);
    const help = flat(stdout);
    for (const setting of settingDocs()) {
      const shown = setting.defaultValue === undefined ? '(no default)' : `default: ${setting.defaultValue}`;
      expect(help).toContain(`${setting.env} ${shown} ${flat(setting.doc.replaceAll('`', ''))}`);
    }
  });
});
