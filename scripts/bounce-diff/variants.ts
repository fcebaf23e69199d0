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

// ---- MIME walking (just enough for wrap and synonym) ----------------------------------------
interface Line {
  text: string;
  eol: string;
}
function splitLines(text: string): Line[] {
  const lines: Line[] = [];
  const re = /([^\r\n]*)(\r\n|\n|\r|$)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m[0] === '') break;
    lines.push({ text: m[1] ?? '', eol: m[2] ?? '' });
  }
  return lines;
}
const join_ = (lines: Line[]) => lines.map((l) => l.text + l.eol).join('');

function headerValue(headers: string[], name: string): string {
  const unfolded = headers.join('\n').replace(/\n[ \t]+/g, ' ');
  const m = new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(unfolded);
  return m?.[1] ?? '';
}
const EMBEDDED_HEADER =
  /^(Return-Path|Received|Message-ID|Date|From|To|Subject|Content-Type|MIME-Version|DKIM-Signature|X-[\w-]+):/i;

/** Mark each line: 'header' | 'human' (text/plain, unencoded) | 'other'. */
function classify(lines: Line[]): Array<'header' | 'human' | 'other'> {
  const kinds: Array<'header' | 'human' | 'other'> = lines.map(() => 'other');
  let i = 0;
  const top: string[] = [];
  for (; i < lines.length && lines[i]?.text !== ''; i++) {
    kinds[i] = 'header';
    top.push(lines[i]?.text ?? '');
  }
  i++;
  const ct = headerValue(top, 'Content-Type').toLowerCase();
  const boundaryOf = (v: string) => /boundary="?([^";]+)"?/i.exec(v)?.[1];
  if (!ct.startsWith('multipart/')) {
    const cte = headerValue(top, 'Content-Transfer-Encoding').toLowerCase();
    if ((ct === '' || ct.startsWith('text/plain')) && !/base64|quoted/.test(cte)) {
      for (; i < lines.length; i++) {
        if (EMBEDDED_HEADER.test(lines[i]?.text ?? '')) break; // the original message's headers
        kinds[i] = 'human';
      }
    }
    return kinds;
  }
  const boundaries = [boundaryOf(headerValue(top, 'Content-Type'))].filter(Boolean) as string[];
  let mode: 'human' | 'other' = 'other';
  let stopped = false;
  while (i < lines.length) {
    const t = lines[i]?.text ?? '';
    const b = boundaries.find((x) => t === `--${x}` || t === `--${x}--`);
    if (b) {
      mode = 'other';
      i++;
      if (t.endsWith('--') && t === `--${b}--`) continue;
      const ph: string[] = [];
      for (; i < lines.length && lines[i]?.text !== ''; i++) {
        kinds[i] = 'header';
        ph.push(lines[i]?.text ?? '');
      }
      i++;
      const pct = headerValue(ph, 'Content-Type').toLowerCase();
      const pcte = headerValue(ph, 'Content-Transfer-Encoding').toLowerCase();
      if (pct.startsWith('multipart/')) {
        const nb = boundaryOf(headerValue(ph, 'Content-Type'));
        if (nb) boundaries.push(nb);
      } else if ((pct === '' || pct.startsWith('text/plain')) && !/base64|quoted/.test(pcte)) {
        mode = 'human';
        stopped = false;
      }
      continue;
    }
    if (mode === 'human' && !stopped && EMBEDDED_HEADER.test(t)) stopped = true;
    kinds[i] = mode === 'human' && !stopped ? 'human' : 'other';
    i++;
  }
  return kinds;
}

// ---- wrap ------------------------------------------------------------------------------------
function wrapVariant(text: string): string {
  const lines = splitLines(text);
  const kinds = classify(lines);
  const outLines: Line[] = [];
  lines.forEach((l, k) => {
    if (kinds[k] !== 'human' || l.text.length <= 60) {
      outLines.push(l);
      return;
    }
    const indent = /^[ \t]*/.exec(l.text)?.[0] ?? '';
    let rest = l.text;
    const eol = l.eol || '\n';
    while (rest.length > 60) {
      const cut = rest.lastIndexOf(' ', 60);
      if (cut <= indent.length) break; // no space to break at: leave it long
      outLines.push({ text: rest.slice(0, cut), eol });
      rest = indent + rest.slice(cut + 1).replace(/^ +/, '');
    }
    outLines.push({ text: rest, eol: l.eol });
  });
  return join_(outLines);
}

// ---- synonym ---------------------------------------------------------------------------------
const SYNONYMS: Array<[string, string]> = [
  ['does not exist', 'is unknown'],
  ['mailbox is full', 'mailbox quota exceeded'],
  ['user unknown', 'unknown user'],
  ['no such user', 'no such recipient'],
  ['over quota', 'quota exceeded'],
  ['recipient address rejected', 'recipient rejected'],
  ['host not found', 'domain not found'],
  ['connection timed out', 'connection timeout'],
  ['relay access denied', 'relaying denied'],
  ['mailbox unavailable', 'mailbox not available'],
  ['account disabled', 'account deactivated'],
  ['message too large', 'message size exceeds limit'],
  ['blacklisted', 'blocklisted'],
  ['unrouteable address', 'unroutable address'],
  ['access denied', 'permission denied'],
];
function matchCase(src: string, to: string): string {
  if (src === src.toUpperCase() && /[A-Z]/.test(src)) return to.toUpperCase();
  if (/^[A-Z]/.test(src)) return to.charAt(0).toUpperCase() + to.slice(1);
  return to;
}
function synonymVariant(text: string): string {
  const lines = splitLines(text);
  const kinds = classify(lines);
  const pairs = SYNONYMS.flatMap(([a, b]) => [
    [a, b],
    [b, a],
  ]) as Array<[string, string]>;
  const re = new RegExp(pairs.map(([a]) => escapeRe(a).replace(/ /g, '\\s+')).join('|'), 'gi');
  return join_(
    lines.map((l, k) => {
      if (kinds[k] === 'header' && k < lines.findIndex((x) => x.text === '')) return l; // top headers
      return {
        ...l,
        text: l.text.replace(re, (m) => {
          const norm = m.toLowerCase().replace(/\s+/g, ' ');
          const to = pairs.find(([a]) => a === norm)?.[1];
          return to ? matchCase(m, to) : m;
        }),
      };
    }),
  );
}

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
