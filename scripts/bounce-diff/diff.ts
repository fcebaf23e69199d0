// Differential check of Aviso's bounce parser against sisimai. Dev-only; see README.md.
//
//   npx tsx scripts/bounce-diff/diff.ts [options] FILE_OR_DIR...
//     --labels FILE     also score both tools against a labels.json (compared by position)
//     --baseline DIR    the files are variants of same-named files in DIR: also report, per tool
//                       and field, where its answer changed under the variation
//     --examples N      example files to list per disagreement pattern (default 3)
//     --top N           disagreement patterns to list per field (default 12)
//     --json FILE       write every per-file disagreement as JSON lines to FILE
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { type Answers, emlFiles, type Result, runAviso, runSisimai } from './run.ts';

const FIELDS = ['recipient', 'status', 'replyCode', 'reason', 'hardBounce', 'feedbackType'] as const;
type Field = (typeof FIELDS)[number];

const args = process.argv.slice(2);
const opts: { labels?: string; baseline?: string; examples: number; top: number; json?: string } = {
  examples: 3,
  top: 12,
};
const inputs: string[] = [];
for (let i = 0; i < args.length; i++) {
  const a = args[i] as string;
  const next = () => {
    const v = args[++i];
    if (v === undefined) throw new Error(`${a} needs a value`);
    return v;
  };
  if (a === '--labels') opts.labels = next();
  else if (a === '--baseline') opts.baseline = next();
  else if (a === '--examples') opts.examples = Number(next());
  else if (a === '--top') opts.top = Number(next());
  else if (a === '--json') opts.json = next();
  else inputs.push(a);
}
if (inputs.length === 0) {
  console.error('usage: diff.ts [--labels labels.json] [--baseline DIR] [--json out.jsonl] FILE_OR_DIR...');
  process.exit(2);
}

const files = emlFiles(inputs);

const val = (r: Result | undefined, f: Field): string => (r ? String(r[f]) : '(none)');

/** Pair two result lists: by recipient first, then the leftovers by position. */
function pair(a: Result[], b: Result[]): Array<[Result | undefined, Result | undefined]> {
  const pairs: Array<[Result | undefined, Result | undefined]> = [];
  const usedB = new Set<number>();
  const leftA: Result[] = [];
  for (const ra of a) {
    const j = b.findIndex((rb, k) => !usedB.has(k) && rb.recipient !== '' && rb.recipient === ra.recipient);
    if (j >= 0) {
      usedB.add(j);
      pairs.push([ra, b[j]]);
    } else leftA.push(ra);
  }
  const leftB = b.filter((_, k) => !usedB.has(k));
  for (let k = 0; k < Math.max(leftA.length, leftB.length); k++) pairs.push([leftA[k], leftB[k]]);
  return pairs;
}

interface Tally {
  compared: number;
  agree: number;
  patterns: Map<string, string[]>;
}
const newTallies = () =>
  Object.fromEntries(FIELDS.map((f) => [f, { compared: 0, agree: 0, patterns: new Map() }])) as Record<
    Field,
    Tally
  >;

const jsonOut: string[] = [];

function compare(
  title: string,
  nameA: string,
  nameB: string,
  a: Answers,
  b: (file: string) => Result[] | undefined,
  fields: readonly Field[],
  byPosition = false,
) {
  const t = newTallies();
  let countMismatch = 0;
  let filesAllAgree = 0;
  let filesCompared = 0;
  for (const file of files) {
    const ra = a.get(file) ?? [];
    const rb = b(file);
    if (rb === undefined) continue;
    filesCompared++;
    if (ra.length !== rb.length) countMismatch++;
    const pairs: Array<[Result | undefined, Result | undefined]> = byPosition
      ? Array.from({ length: Math.max(ra.length, rb.length) }, (_, k) => [ra[k], rb[k]])
      : pair(ra, rb);
    let all = ra.length === rb.length;
    for (const [x, y] of pairs) {
      for (const f of fields) {
        const tf = t[f];
        tf.compared++;
        const vx = val(x, f);
        const vy = val(y, f);
        if (vx === vy) {
          tf.agree++;
          continue;
        }
        all = false;
        const key = f === 'recipient' ? 'differs' : `${nameA}=${vx} ${nameB}=${vy}`;
        const list = tf.patterns.get(key) ?? [];
        list.push(basename(file) + (f === 'recipient' ? ` (${vx} vs ${vy})` : ''));
        tf.patterns.set(key, list);
        jsonOut.push(JSON.stringify({ check: title, file, field: f, [nameA]: vx, [nameB]: vy }));
      }
    }
    if (all) filesAllAgree++;
  }
  console.log(`\n## ${title}`);
  console.log(
    `files: ${filesCompared}, all fields agree: ${filesAllAgree} (${pct(filesAllAgree, filesCompared)}), ` +
      `different number of results: ${countMismatch}`,
  );
  console.log('| field | compared | agree | disagree | agree % |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  for (const f of fields) {
    const tf = t[f];
    console.log(
      `| ${f} | ${tf.compared} | ${tf.agree} | ${tf.compared - tf.agree} | ${pct(tf.agree, tf.compared)} |`,
    );
  }
  for (const f of fields) {
    const pats = [...t[f].patterns.entries()].sort((x, y) => y[1].length - x[1].length);
    if (pats.length === 0) continue;
    console.log(`\n### ${title}: ${f} disagreements`);
    for (const [k, ex] of pats.slice(0, opts.top)) {
      console.log(`- ${ex.length}× ${k}  e.g. ${ex.slice(0, opts.examples).join(', ')}`);
    }
    if (pats.length > opts.top) console.log(`- … ${pats.length - opts.top} more patterns`);
  }
}

function pct(n: number, d: number): string {
  return d === 0 ? '-' : `${((100 * n) / d).toFixed(1)}%`;
}

console.error(`running aviso and sisimai over ${files.length} files…`);
const aviso = runAviso(files);
const sisimai = runSisimai(files);

compare('aviso vs sisimai', 'aviso', 'sisimai', aviso, (f) => sisimai.get(f), FIELDS);

if (opts.labels) {
  const labels = JSON.parse(readFileSync(opts.labels, 'utf8')) as Record<string, Result[]>;
  const lab = (f: string) =>
    labels[basename(f)]?.map((r) => ({ ...r, replyCode: String(r.replyCode ?? '') }));
  const noRcpt = FIELDS.filter((f) => f !== 'recipient');
  compare('sisimai vs labels (by position)', 'sisimai', 'labels', sisimai, lab, noRcpt, true);
  compare('aviso vs labels (by position)', 'aviso', 'labels', aviso, lab, noRcpt, true);
}

if (opts.baseline) {
  const baseDir = resolve(opts.baseline);
  const manifestPath = join(files[0] ? resolve(files[0], '..') : '.', 'manifest.json');
  const manifest: Record<string, Record<string, string>> = existsSync(manifestPath)
    ? JSON.parse(readFileSync(manifestPath, 'utf8'))
    : {};
  const originals = files.map((f) => join(baseDir, basename(f))).filter((f) => existsSync(f));
  const avisoBase = runAviso(originals);
  const sisimaiBase = runSisimai(originals);
  // Rename recipients in the baseline answers as the variant renamed them in the message.
  const renamed = (base: Answers) => (file: string) => {
    const rs = base.get(join(baseDir, basename(file)));
    if (!rs) return undefined;
    const map = manifest[basename(file)] ?? {};
    return rs.map((r) => {
      const at = r.recipient.lastIndexOf('@');
      const local = r.recipient.slice(0, at);
      const to = map[local];
      return to !== undefined && at > 0 ? { ...r, recipient: to + r.recipient.slice(at) } : r;
    });
  };
  compare('aviso: variant vs original', 'variant', 'original', aviso, renamed(avisoBase), FIELDS);
  compare('sisimai: variant vs original', 'variant', 'original', sisimai, renamed(sisimaiBase), FIELDS);
  // Where exactly one tool changed its answer.
  let onlyAviso = 0;
  let onlySisimai = 0;
  let both = 0;
  const onlyAvisoFiles: string[] = [];
  const onlySisimaiFiles: string[] = [];
  const same = (x: Result[] | undefined, y: Result[] | undefined) => JSON.stringify(x) === JSON.stringify(y);
  for (const f of files) {
    const aChanged = !same(aviso.get(f), renamed(avisoBase)(f));
    const sChanged = !same(sisimai.get(f), renamed(sisimaiBase)(f));
    if (aChanged && sChanged) both++;
    else if (aChanged) {
      onlyAviso++;
      onlyAvisoFiles.push(basename(f));
    } else if (sChanged) {
      onlySisimai++;
      onlySisimaiFiles.push(basename(f));
    }
  }
  console.log('\n## which tool changed its answer under the variation (any field)');
  console.log(`only aviso: ${onlyAviso}  ${onlyAvisoFiles.slice(0, 40).join(' ')}`);
  console.log(`only sisimai: ${onlySisimai}  ${onlySisimaiFiles.slice(0, 40).join(' ')}`);
  console.log(`both: ${both}`);
}

if (opts.json) writeFileSync(opts.json, `${jsonOut.join('\n')}\n`);
