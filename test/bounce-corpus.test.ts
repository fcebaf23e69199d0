// The bounce parser against a corpus of real bounces (sisimai's set-of-emails, with its
// classification as the reference). The figures are per expected recipient, in order; a
// missing or extra recipient counts as a miss. BOUNCE_MISSES=1 lists every miss.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BounceResult, parseBounce } from '../src/channels/email/bounce/index.ts';

const corpus = corpusDir();

type Expected = Pick<BounceResult, 'status' | 'replyCode' | 'reason' | 'hardBounce' | 'feedbackType'>;

const percent = (n: number, of: number) => `${((100 * n) / of).toFixed(1)} %`;

/** The copy in test/fixtures, or another collection laid out the same way. */
function corpusDir(): string {
  const given = process.env.AVISO_BOUNCE_CORPUS;
  if (given) return given.endsWith('/') ? given : `${given}/`;
  return fileURLToPath(new URL('./fixtures/bounces/', import.meta.url));
}

describe('bounce corpus', () => {
  it('classifies the reference messages', async () => {
    const labels = JSON.parse(await readFile(`${corpus}labels.json`, 'utf8')) as Record<string, Expected[]>;
    let total = 0;
    const hits = { hardBounce: 0, status: 0, reason: 0 };
    const misses: string[] = [];
    for (const [file, expected] of Object.entries(labels).sort()) {
      const got = (await parseBounce(await readFile(`${corpus}eml/${file}`))).results;
      expected.forEach((e, i) => {
        const g = got[i];
        total++;
        if (g?.hardBounce === e.hardBounce) hits.hardBounce++;
        if (g?.status === e.status) hits.status++;
        if (g?.reason === e.reason) hits.reason++;
        if (!g || g.reason !== e.reason || g.status !== e.status || g.hardBounce !== e.hardBounce) {
          const found = g
            ? `${g.reason} ${g.status} ${g.replyCode} (${g.diagnostic.slice(0, 100)})`
            : 'nothing';
          misses.push(`${file}#${i}: expected ${e.reason} ${e.status} ${e.replyCode}, got ${found}`);
        }
      });
      if (got.length > expected.length) {
        total += got.length - expected.length;
        misses.push(`${file}: ${got.length - expected.length} recipient(s) too many`);
      }
    }
    console.log(
      `hardBounce ${percent(hits.hardBounce, total)} (${hits.hardBounce}/${total}), status ${percent(hits.status, total)}, reason ${percent(hits.reason, total)}`,
    );
    if (process.env.BOUNCE_MISSES === '1') console.log(misses.join('\n'));
    expect(hits.hardBounce / total).toBeGreaterThanOrEqual(0.97);
    expect(hits.status / total).toBeGreaterThanOrEqual(0.9);
    expect(hits.reason / total).toBeGreaterThanOrEqual(0.85);
  });

  it('reports nothing for messages that are not bounces', async () => {
    const dir = `${corpus}not-bounces/`;
    for (const file of await readdir(dir)) {
      const report = await parseBounce(await readFile(`${dir}${file}`));
      expect({ file, results: report.results }).toEqual({ file, results: [] });
    }
  });
});
