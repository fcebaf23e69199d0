// `aviso bounces parse` through the real CLI (`node bin/aviso.js …`): one JSON line per
// readable file, a message on stderr and exit code 1 for a file that cannot be read, and
// no database needed (DATABASE_URL points nowhere).
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const corpus = fileURLToPath(new URL('./fixtures/bounces/', import.meta.url));

async function aviso(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/aviso.js', ...args], {
      env: { ...process.env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', AVISO_LOG_LEVEL: 'silent' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('aviso bounces parse', () => {
  it('prints one JSON line per readable file and fails at the end for a missing one', async () => {
    const files = [
      `${corpus}eml/lhost-postfix-01.eml`,
      `${corpus}eml/arf-01.eml`,
      `${corpus}not-bounces/is-not-bounce-01.eml`,
      `${corpus}eml/no-such-file.eml`,
    ];
    const { code, stdout, stderr } = await aviso('bounces', 'parse', ...files);
    expect(code).toBe(1);
    expect(stderr).toContain('no-such-file.eml');
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.file)).toEqual(files.slice(0, 3));
    expect(lines[0].results.length).toBeGreaterThan(0);
    expect(Object.keys(lines[0].results[0])).toEqual([
      'recipient',
      'status',
      'replyCode',
      'reason',
      'hardBounce',
      'feedbackType',
    ]);
    expect(lines[1].results[0]).toMatchObject({ reason: 'feedback', feedbackType: 'abuse', status: '' });
    expect(lines[2].results).toEqual([]);
  });

  it('says with --explain which rule decided each field', async () => {
    const file = `${corpus}eml/lhost-exim-01.eml`;
    const { code, stdout } = await aviso('bounces', 'parse', '--explain', file);
    expect(code).toBe(0);
    const line = JSON.parse(stdout);
    expect(line.kind).toBe('bounce');
    const [result] = line.results;
    expect(result).toMatchObject({ reason: 'blocked', status: '5.7.0' });
    expect(result.explain).toEqual({
      recipient: 'from the exim reader',
      status: "the code in the server's reply",
      reason: 'the words "please use the smtp server of your isp"',
      hardBounce: 'blocked is not a final verdict on the address',
    });
    // The rules that applied, by the ids the corpus test's leave-one-family-out measure uses.
    expect(line.rules).toEqual(
      expect.arrayContaining(['reader:exim', 'phrase:blocked:please use the smtp server of your isp']),
    );
  });
});
