// Failed-address recall and precision on a second collection: the bounces GNU Mailman's
// detector library keeps as its test data (Debian: python3-flufl.bounce), with the addresses
// its tests expect. Mailman only wants the failed addresses, so only those are compared; a
// delay warning's address counts as found when Aviso reports it at all.
//
//   npx tsx scripts/bounce-diff/flufl.ts [--misses] [DIR]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runAviso } from './run.ts';

const args = process.argv.slice(2);
const showMisses = args.includes('--misses');
const root = args.find((a) => !a.startsWith('--')) ?? '/usr/lib/python3/dist-packages/flufl/bounce';
const dataDir = join(root, 'tests', 'data');

/** file → expected addresses, from the DATA table of flufl's test helpers. */
function expectations(): Map<string, Set<string>> {
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

const expected = expectations();
const files = readdirSync(dataDir)
  .filter((f) => f.endsWith('.txt'))
  .sort();
const answers = runAviso(files.map((f) => join(dataDir, f)));

let wanted = 0;
let found = 0;
let reported = 0;
let right = 0;
const misses: string[] = [];
for (const file of files) {
  const want = expected.get(file);
  const got = new Set((answers.get(join(dataDir, file)) ?? []).map((r) => r.recipient));
  if (!want) {
    // Not in the table (a message that is not a bounce, or one no detector reads): only
    // addresses reported for it are of interest.
    if (got.size) misses.push(`${file}: not listed; reported ${[...got].join(', ')}`);
    continue;
  }
  wanted += want.size;
  reported += got.size;
  const missing = [...want].filter((a) => !got.has(a));
  const extra = [...got].filter((a) => !want.has(a));
  found += want.size - missing.length;
  right += got.size - extra.length;
  if (missing.length || extra.length) {
    misses.push(`${file}: missing [${missing.join(', ')}] extra [${extra.join(', ')}]`);
  }
}
const pct = (n: number, of: number) => `${((100 * n) / (of || 1)).toFixed(1)} %`;
console.log(
  `failed addresses: ${wanted}; recall ${pct(found, wanted)} (${found}), precision ${pct(right, reported)} (${right} of ${reported} reported)`,
);
if (showMisses) console.log(misses.join('\n'));
