// Write varied copies of bounce messages, one folder per kind of variation, for diff.ts --baseline.
//
//   npx tsx scripts/bounce-diff/variants.ts OUT_DIR FILE_OR_DIR...
//
// Kinds (OUT_DIR/<kind>/<same name>.eml; only files the variation actually changed are written):
//   recipient  the failed recipients' local parts (as either tool reported them), only where followed
//              by '@', become another local part; OUT_DIR/recipient/manifest.json maps old -> new
//   eol        CRLF <-> LF
//   wrap       lines over 60 columns of the human-readable text/plain part re-wrapped at 60 columns
//              (never headers, message/delivery-status, message/rfc822, or encoded parts)
//   synonym    common phrases swapped for synonyms, in the body only
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { synonymVariant, wrapVariant } from '../../test/helpers/bounce-variants.ts';
import { emlFiles, runAviso, runSisimai } from './run.ts';

const [outArg, ...inputs] = process.argv.slice(2);
if (!outArg || inputs.length === 0) {
  console.error('usage: variants.ts OUT_DIR FILE_OR_DIR...');
  process.exit(2);
}
const out = resolve(outArg);
const files = emlFiles(inputs);

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// ---- recipient -------------------------------------------------------------------------------
const aviso = runAviso(files);
const sisimai = runSisimai(files);
const manifest: Record<string, Record<string, string>> = {};
function recipientVariant(file: string, text: string): string {
  const locals = new Set<string>();
  for (const r of [...(aviso.get(file) ?? []), ...(sisimai.get(file) ?? [])]) {
    const at = r.recipient.lastIndexOf('@');
    if (at > 0) locals.add(r.recipient.slice(0, at));
  }
  const map: Record<string, string> = {};
  let n = 0;
  let t = text;
  // Longest first, so that "neko" never eats into "kuroneko".
  for (const local of [...locals].sort((a, b) => b.length - a.length)) {
    const re = new RegExp(`(?<![A-Za-z0-9._%+=-])${escapeRe(local)}(?=@)`, 'gi');
    if (!re.test(t)) continue;
    const to = `zq.renamed${n++ === 0 ? '' : n}`;
    t = t.replace(re, to);
    map[local] = to;
  }
  if (Object.keys(map).length) manifest[basename(file)] = map;
  return t;
}

// ---- eol -------------------------------------------------------------------------------------
const eolVariant = (text: string) =>
  text.includes('\r\n') ? text.replace(/\r\n/g, '\n') : text.replace(/\n/g, '\r\n');

// ---- write -----------------------------------------------------------------------------------
const kinds: Record<string, (file: string, text: string) => string> = {
  recipient: recipientVariant,
  eol: (_f, t) => eolVariant(t),
  wrap: (_f, t) => wrapVariant(t),
  synonym: (_f, t) => synonymVariant(t),
};
for (const [kind, fn] of Object.entries(kinds)) {
  const dir = join(out, kind);
  mkdirSync(dir, { recursive: true });
  let written = 0;
  for (const file of files) {
    const text = readFileSync(file, 'latin1');
    const v = fn(file, text);
    if (v === text) continue;
    writeFileSync(join(dir, basename(file)), v, 'latin1');
    written++;
  }
  if (kind === 'recipient') writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1));
  console.log(`${kind}: ${written} of ${files.length} files changed -> ${dir}`);
}
