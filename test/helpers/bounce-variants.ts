// Varied copies of a bounce message that must read the same: its human-readable text re-wrapped
// at another width, common phrases swapped for synonyms, its MIME boundaries renamed. Shared by
// the corpus test and scripts/bounce-diff/variants.ts.

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

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
export function wrapVariant(text: string): string {
  const lines = splitLines(text);
  const kinds = classify(lines);
  const outLines: Line[] = [];
  lines.forEach((l, k) => {
    if (kinds[k] !== 'human' || l.text.length <= 60) {
      outLines.push(l);
      return;
    }
    // A quoted notice's lines go on quoted, as mail clients re-wrap them.
    const indent = /^[ \t>]*/.exec(l.text)?.[0] ?? '';
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
export function synonymVariant(text: string): string {
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

// ---- boundary --------------------------------------------------------------------------------
/** Every MIME boundary renamed (the same structure under other delimiters). */
export function boundaryVariant(text: string): string {
  const names = [...text.matchAll(/boundary="?([^";\r\n]+)"?/gi)].map((m) => m[1] ?? '').filter(Boolean);
  let out = text;
  [...new Set(names)].forEach((name, i) => {
    out = out.split(name).join(`=_aviso_variant_${i}_${name.length}`);
  });
  return out;
}
