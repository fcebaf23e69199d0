// The bounce parser against a corpus of real bounces (sisimai's set-of-emails, with its
// classification as the reference). The figures are per expected recipient, in order; a
// missing or extra recipient counts as a miss. Also measured with each MTA family left out
// (see below). BOUNCE_MISSES=1 (or =held-out) lists every miss; BOUNCE_LOOKUPS=1 the rules
// that only one family uses.
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type BounceResult, parseBounce, withRules } from '../src/channels/email/bounce/index.ts';
import { boundaryVariant, synonymVariant, wrapVariant } from './helpers/bounce-variants.ts';

const corpus = corpusDir();

type Expected = Pick<BounceResult, 'status' | 'replyCode' | 'reason' | 'hardBounce' | 'feedbackType'>;

const percent = (n: number, of: number) => `${((100 * n) / of).toFixed(1)} %`;

/** The copy in test/fixtures, or another collection laid out the same way. */
function corpusDir(): string {
  const given = process.env.AVISO_BOUNCE_CORPUS;
  if (given) return given.endsWith('/') ? given : `${given}/`;
  return fileURLToPath(new URL('./fixtures/bounces/', import.meta.url));
}

interface Score {
  total: number;
  hardBounce: number;
  status: number;
  reason: number;
  misses: string[];
}

const emptyScore = (): Score => ({ total: 0, hardBounce: 0, status: 0, reason: 0, misses: [] });

/** Adds one file's results to `score`: per expected recipient, in order; extras count as misses. */
function scoreFile(score: Score, file: string, expected: Expected[], got: BounceResult[]) {
  expected.forEach((e, i) => {
    const g = got[i];
    score.total++;
    if (g?.hardBounce === e.hardBounce) score.hardBounce++;
    if (g?.status === e.status) score.status++;
    if (g?.reason === e.reason) score.reason++;
    if (!g || g.reason !== e.reason || g.status !== e.status || g.hardBounce !== e.hardBounce) {
      const found = g ? `${g.reason} ${g.status} ${g.replyCode} (${g.diagnostic.slice(0, 100)})` : 'nothing';
      score.misses.push(`${file}#${i}: expected ${e.reason} ${e.status} ${e.replyCode}, got ${found}`);
    }
  });
  if (got.length > expected.length) {
    score.total += got.length - expected.length;
    score.misses.push(`${file}: ${got.length - expected.length} recipient(s) too many`);
  }
}

const figures = (s: Score) =>
  `hardBounce ${percent(s.hardBounce, s.total)} (${s.hardBounce}/${s.total}), status ${percent(s.status, s.total)}, reason ${percent(s.reason, s.total)}`;

/** The MTA family a corpus file comes from: its name without the number (`lhost-exim-03.eml`). */
const familyOf = (file: string) => file.replace(/-\d+\.eml$/, '');

async function parseWith(file: string, disabled: ReadonlySet<string>) {
  const session = { disabled, fired: new Set<string>() };
  const raw = await readFile(`${corpus}eml/${file}`);
  const report = await withRules(session, () => parseBounce(raw));
  return { results: report.results, fired: session.fired };
}

describe('bounce corpus', () => {
  it('classifies the reference messages, and as well with each family left out', async () => {
    const labels = JSON.parse(await readFile(`${corpus}labels.json`, 'utf8')) as Record<string, Expected[]>;
    const files = Object.keys(labels).sort();
    const plain = emptyScore();
    // Which families' messages each rule applied to.
    const familiesOf = new Map<string, Set<string>>();
    for (const file of files) {
      const { results, fired } = await parseWith(file, new Set());
      scoreFile(plain, file, labels[file] ?? [], results);
      for (const id of fired) {
        const families = familiesOf.get(id) ?? new Set<string>();
        families.add(familyOf(file));
        familiesOf.set(id, families);
      }
    }

    // Leave one family out: each family is parsed without the rules that only its own messages
    // use, as if the rules had been written without ever seeing it. A rule that only helps its
    // own family is a lookup, and this figure drops by what such lookups earn.
    const heldOut = emptyScore();
    const byFamily = new Map<string, string[]>();
    for (const file of files) byFamily.set(familyOf(file), [...(byFamily.get(familyOf(file)) ?? []), file]);
    const lookups = new Set<string>();
    for (const [family, members] of byFamily) {
      const own = new Set(
        [...familiesOf].filter(([, fs]) => fs.size === 1 && fs.has(family)).map(([id]) => id),
      );
      for (const id of own) lookups.add(id);
      for (const file of members) {
        scoreFile(heldOut, file, labels[file] ?? [], (await parseWith(file, own)).results);
      }
    }
    console.log(`all rules:              ${figures(plain)}`);
    console.log(
      `each family left out:   ${figures(heldOut)} (${byFamily.size} families; ${lookups.size} of ${familiesOf.size} rules apply to one family only)`,
    );
    if (process.env.BOUNCE_MISSES === '1') console.log(plain.misses.join('\n'));
    if (process.env.BOUNCE_MISSES === 'held-out') console.log(heldOut.misses.join('\n'));
    if (process.env.BOUNCE_LOOKUPS === '1') console.log([...lookups].sort().join('\n'));
    expect(plain.hardBounce / plain.total).toBeGreaterThanOrEqual(0.97);
    expect(plain.status / plain.total).toBeGreaterThanOrEqual(0.9);
    expect(plain.reason / plain.total).toBeGreaterThanOrEqual(0.85);
  });

  it('classifies each message the same with its line endings, failed address, wrapping, wording or MIME boundaries changed', async () => {
    const labels = JSON.parse(await readFile(`${corpus}labels.json`, 'utf8')) as Record<string, Expected[]>;
    const verdicts = (results: BounceResult[]) =>
      results.map((r) => `${r.reason} ${r.status} ${r.hardBounce}`);
    const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const mutations: Record<string, (raw: string, recipient: string) => string> = {
      'line endings': (raw) =>
        raw.includes('\r\n') ? raw.replace(/\r\n/g, '\n') : raw.replace(/\n/g, '\r\n'),
      // Every address with the failed one's local part gets another: the verdict is about the
      // server's words, never about who the recipient was.
      'local part': (raw, recipient) =>
        raw.replace(new RegExp(`${escapeRegExp(recipient.split('@')[0] ?? '')}(?=@)`, 'gi'), 'zq7-person'),
      // The notice's text re-wrapped at 60 columns, as gateways re-wrap it.
      wrap: (raw) => wrapVariant(raw),
      // Common phrases in other words ("user unknown" / "unknown user", "over quota" / …).
      wording: (raw) => synonymVariant(raw),
      // The same MIME structure under other boundaries.
      'MIME boundaries': (raw) => boundaryVariant(raw),
    };
    const changed: string[] = [];
    let tried = 0;
    for (const file of Object.keys(labels).sort()) {
      const raw = (await readFile(`${corpus}eml/${file}`)).toString('latin1');
      const base = (await parseBounce(Buffer.from(raw, 'latin1'))).results;
      const first = base[0]?.recipient;
      if (!first) continue;
      for (const [name, mutate] of Object.entries(mutations)) {
        tried++;
        const got = (await parseBounce(Buffer.from(mutate(raw, first), 'latin1'))).results;
        if (verdicts(got).join() !== verdicts(base).join()) {
          changed.push(
            `${file} (${name}): ${verdicts(base).join(', ')} → ${verdicts(got).join(', ') || 'nothing'}`,
          );
        }
      }
    }
    console.log(
      `mutations: ${tried - changed.length} of ${tried} classified the same\n${changed.join('\n')}`,
    );
    // The one known change: biglobe-01 was sent to postmaster@, and renaming it renames the
    // notice's own sender too, so it no longer reads as a daemon's notice.
    expect(changed.length).toBeLessThanOrEqual(1);
  });

  it('reports nothing for messages that are not bounces', async () => {
    const dir = `${corpus}not-bounces/`;
    for (const file of await readdir(dir)) {
      const report = await parseBounce(await readFile(`${dir}${file}`));
      expect({ file, results: report.results }).toEqual({ file, results: [] });
    }
  });
});
