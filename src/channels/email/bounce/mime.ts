// A forgiving raw-MIME walker for bounce messages. DSNs come from thousands of MTAs and many
// break the rules (wrong boundaries, 8-bit text in 7-bit parts, reports nested in
// message/rfc822), so this never throws: whatever it cannot decode it keeps as text.
// It works on "binary" strings (one char per byte) and decodes each part's charset itself.

export type Headers = Map<string, string[]>;

export interface MimePart {
  headers: Headers;
  /** Lower-cased media type, `text/plain` when absent (RFC 2045 §5.2). */
  type: string;
  params: Record<string, string>;
  /** Decoded text of a leaf part ('' for multiparts). */
  text: string;
  parts: MimePart[];
  /** The enclosed message of a message/rfc822 (or message/global) part. */
  message?: MimePart;
}

export function toBinary(raw: Buffer | string): string {
  return typeof raw === 'string' ? Buffer.from(raw, 'utf8').toString('latin1') : raw.toString('latin1');
}

/** Splits at the first empty line; an mbox "From " line is not a header. */
function splitHead(raw: string): [string, string] {
  const text = raw.replace(/^From [^\n]*\n/, '');
  const m = /\r?\n\r?\n/.exec(text);
  if (!m) return /^[\w-]+:/.test(text) ? [text, ''] : ['', text];
  return [text.slice(0, m.index), text.slice(m.index + m[0].length)];
}

export function parseHeaders(block: string): Headers {
  const headers: Headers = new Map();
  const unfolded = block.replace(/\r?\n[ \t]+/g, ' ');
  for (const line of unfolded.split(/\r?\n/)) {
    const m = /^([!-9;-~]+)[ \t]*:[ \t]*(.*)$/.exec(line);
    if (!m?.[1]) continue;
    const name = m[1].toLowerCase();
    const list = headers.get(name) ?? [];
    list.push((m[2] ?? '').trim());
    headers.set(name, list);
  }
  return headers;
}

/** The top-level headers of a raw message. */
export function messageHeaders(raw: Buffer | string): Headers {
  return parseHeaders(splitHead(toBinary(raw))[0]);
}

export const header = (headers: Headers, name: string): string => headers.get(name)?.[0] ?? '';

function parseContentType(value: string): { type: string; params: Record<string, string> } {
  const [first = '', ...rest] = value.split(';');
  const params: Record<string, string> = {};
  for (const m of rest.join(';').matchAll(/([\w*.-]+)\s*=\s*(?:"([^"]*)"|([^\s;]+))/g)) {
    params[(m[1] ?? '').toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  return { type: first.trim().toLowerCase() || 'text/plain', params };
}

function decodeCharset(binary: string, charset: string | undefined): string {
  const bytes = Buffer.from(binary, 'latin1');
  const label = (charset ?? '').toLowerCase().replace(/^(x-|cp)(?=\d)/, 'windows-');
  // ISO-2022-JP is 7-bit: messages often leave it undeclared or misdeclared.
  const guess = label || (binary.includes('\x1b$B') ? 'iso-2022-jp' : 'utf-8');
  // 8-bit text under a 7-bit label (us-ascii, ISO-2022-JP) was re-encoded on the way: if it
  // is valid UTF-8, that is what it is.
  if (/^(?:us-ascii|ascii|iso-2022-jp)$/.test(guess) && /[\x80-\xff]/.test(binary)) {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      // Not UTF-8: fall through to the declared charset.
    }
  }
  try {
    return new TextDecoder(guess).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function decodeTransfer(body: string, encoding: string): string {
  const enc = encoding.toLowerCase();
  if (enc === 'base64') {
    return Buffer.from(body.replace(/[^A-Za-z0-9+/=]/g, ''), 'base64').toString('latin1');
  }
  if (enc === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function decodeQuotedPrintable(body: string): string {
  return body
    .replace(/[ \t]+(?=\r?\n)/g, '')
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/** RFC 2047 encoded words, for Subject and friends. */
export function decodeWords(value: string): string {
  // Raw 8-bit header text (RFC 6532) is UTF-8.
  const text = /[\x80-\xff]/.test(value) ? decodeCharset(value, 'utf-8') : value;
  return text
    .replace(/(=\?[^?]+\?[BbQq]\?[^?]*\?=)\s+(?==\?)/g, '$1')
    .replace(
      /=\?([^?*]+)(?:\*[^?]*)?\?([BbQq])\?([^?]*)\?=/g,
      (_, charset: string, enc: string, data: string) => {
        const binary =
          enc.toUpperCase() === 'B'
            ? Buffer.from(data, 'base64').toString('latin1')
            : decodeQuotedPrintable(data.replace(/_/g, ' '));
        return decodeCharset(binary, charset);
      },
    );
}

function splitMultipart(body: string, boundary: string): string[] {
  const escaped = boundary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const delimiter = new RegExp(`^--${escaped}(--)?[ \\t]*\\r?$`, 'm');
  const chunks: string[] = [];
  let rest = body;
  let started = false;
  for (;;) {
    const m = delimiter.exec(rest);
    if (!m) break;
    if (started) chunks.push(rest.slice(0, m.index).replace(/\r?\n$/, ''));
    started = true;
    rest = rest.slice(m.index + m[0].length).replace(/^\r?\n/, '');
    if (m[1]) return chunks;
  }
  // A missing closing delimiter (truncated bounces): keep what follows the last one.
  if (started && rest.trim()) chunks.push(rest);
  return chunks;
}

function guessBoundary(body: string): string | undefined {
  for (const m of body.matchAll(/^--([^\s-][^\s]{5,}?)(?:--)?[ \t]*\r?$/gm)) {
    const candidate = m[1] ?? '';
    if (body.split(`--${candidate}`).length > 2) return candidate;
  }
  return undefined;
}

export function parseMime(binary: string, depth = 0): MimePart {
  const [head, body] = splitHead(binary);
  const headers = parseHeaders(head);
  const { type, params } = parseContentType(header(headers, 'content-type'));
  const part: MimePart = { headers, type, params, text: '', parts: [] };
  const encoding = header(headers, 'content-transfer-encoding');
  if (type.startsWith('multipart/') && depth < 12) {
    let chunks = params.boundary ? splitMultipart(body, params.boundary) : [];
    // Some MTAs declare one boundary and write another: use the delimiter the body repeats.
    const written = chunks.length === 0 ? guessBoundary(body) : undefined;
    if (written) chunks = splitMultipart(body, written);
    if (chunks.length > 0) {
      part.parts = chunks.map((chunk) => parseMime(chunk, depth + 1));
      return part;
    }
  }
  const decoded = decodeTransfer(body, encoding);
  if ((type === 'message/rfc822' || type === 'message/global') && depth < 12) {
    part.message = parseMime(decoded, depth + 1);
  }
  part.text = decodeCharset(decoded, params.charset);
  return part;
}

/** Every leaf part, depth first, without descending into enclosed messages. */
export function leaves(part: MimePart): MimePart[] {
  if (part.parts.length === 0) return [part];
  return part.parts.flatMap(leaves);
}
