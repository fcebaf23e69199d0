// GNU Mailman's bounce detectors keep real bounces from mailing-list operations as test data,
// with the failed addresses their tests expect (Debian: python3-flufl.bounce). This reads that
// collection and scores failed-address recall and precision on it: a second collection beside
// sisimai's, on who failed rather than why.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const fluflRoot = '/usr/lib/python3/dist-packages/flufl/bounce';

export const fluflInstalled = (root = fluflRoot) => existsSync(join(root, 'testing', 'helpers.py'));

/** file → the failed addresses flufl's tests expect, from the DATA table of its test helpers. */
export function fluflExpectations(root = fluflRoot): Map<string, Set<string>> {
  const source = readFileSync(join(root, 'testing', 'helpers.py'), 'utf8');
  const table = source.slice(source.indexOf('DATA = ('));
  const out = new Map<string, Set<string>>();
  for (const m of table.matchAll(/\('(\w+)',\s*'([\w.]+)',\s*\[([^\]]*)\]/g)) {
    const file = m[2] ?? '';
    const addresses = [...(m[3] ?? '').matchAll(/b'([^']+)'/g)].map((a) => (a[1] ?? '').toLowerCase());
    // A file listed twice (one detector finds nothing, another the address) expects the union.
    out.set(file, new Set([...(out.get(file) ?? []), ...addresses]));
  }
  return out;
}

export const fluflFiles = (root = fluflRoot) =>
  readdirSync(join(root, 'tests', 'data'))
    .filter((f) => f.endsWith('.txt'))
    .sort()
    .map((f) => join(root, 'tests', 'data', f));

export interface RecipientScore {
  wanted: number;
  found: number;
  reported: number;
  right: number;
  misses: string[];
}

/** Scores the addresses reported per file (by full path) against the expected ones. */
export function scoreRecipients(
  expected: Map<string, Set<string>>,
  reported: Map<string, string[]>,
): RecipientScore {
  const score: RecipientScore = { wanted: 0, found: 0, reported: 0, right: 0, misses: [] };
  for (const [path, addresses] of reported) {
    const file = path.split('/').at(-1) ?? path;
    const want = expected.get(file);
    const got = new Set(addresses);
    if (!want) {
      // Not in the table (no detector reads it): only what is reported for it is of interest.
      if (got.size) score.misses.push(`${file}: not listed; reported ${[...got].join(', ')}`);
      continue;
    }
    const missing = [...want].filter((a) => !got.has(a));
    const extra = [...got].filter((a) => !want.has(a));
    score.wanted += want.size;
    score.found += want.size - missing.length;
    score.reported += got.size;
    score.right += got.size - extra.length;
    if (missing.length || extra.length) {
      score.misses.push(`${file}: missing [${missing.join(', ')}] extra [${extra.join(', ')}]`);
    }
  }
  return score;
}
