// Prepares an email's HTML for open and click tracking: http(s) links go through Aviso's
// click redirect, and a 1×1 transparent image reports the open. It reads the HTML as a plain
// scanner of `<a …>` tags (any case, any quoting, line breaks inside tags) and changes
// nothing else: other attributes, comments and whitespace pass through byte for byte.
// Never wraps links the reader could not follow through a redirect (mailto:, tel:, anchors,
// relative URLs) nor Aviso's own tracking and unsubscribe links.
import { maxLinkIndex, signToken } from './tokens.ts';

export interface TrackHtmlOptions {
  messageId: string;
  /** Where Aviso's public routes are reached, without a trailing slash. */
  baseUrl: string;
  secret: Buffer;
  opens: boolean;
  clicks: boolean;
}

/** The attribute that keeps one link out of click tracking: `data-aviso-track="off"`. */
const optOutAttribute = 'data-aviso-track';

const anchorStart = /<a(?=[\s/>])/gi;
const space = /\s*/y;
// name, then optionally = and a double-quoted, single-quoted or unquoted value.
const attribute = /([^\s"'>/=]+)(?:(\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/y;

interface Attribute {
  /** The attribute as written, with the whitespace before it. */
  raw: string;
  name: string;
  /** The value as written (entities not decoded); null for a bare attribute. */
  value: string | null;
}

interface Tag {
  attributes: (Attribute | string)[];
  /** `>` or `/>` and whatever whitespace came before it. */
  close: string;
  end: number;
}

/** Reads the attributes of a tag from just after its name; null when the tag never closes. */
function readTag(html: string, from: number): Tag | null {
  const attributes: (Attribute | string)[] = [];
  let pos = from;
  for (;;) {
    space.lastIndex = pos;
    const gap = (space.exec(html) as RegExpExecArray)[0];
    const at = pos + gap.length;
    if (at >= html.length) return null;
    if (html[at] === '>') return { attributes, close: `${gap}>`, end: at + 1 };
    if (html.startsWith('/>', at)) return { attributes, close: `${gap}/>`, end: at + 2 };
    if (html[at] === '/') {
      attributes.push(`${gap}/`);
      pos = at + 1;
      continue;
    }
    attribute.lastIndex = at;
    const match = attribute.exec(html);
    if (!match) return null;
    const value = match[2] === undefined ? null : (match[3] ?? match[4] ?? match[5] ?? '');
    attributes.push({ raw: gap + match[0], name: (match[1] as string).toLowerCase(), value });
    pos = attribute.lastIndex;
  }
}

const namedEntities: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  sol: '/',
  colon: ':',
  quest: '?',
  equals: '=',
  num: '#',
  percnt: '%',
  plus: '+',
  semi: ';',
  comma: ',',
  period: '.',
  lowbar: '_',
  commat: '@',
  excl: '!',
  dollar: '$',
  lpar: '(',
  rpar: ')',
  ast: '*',
};

const entity = /&(?:#(\d{1,8});?|#[xX]([0-9a-fA-F]{1,6});?|([A-Za-z][A-Za-z0-9]{1,31});)/g;

/** Decodes character references in an attribute value (numeric ones and the common names). */
export function decodeEntities(value: string): string {
  return value.replace(entity, (whole, dec?: string, hex?: string, name?: string) => {
    if (name !== undefined) return namedEntities[name] ?? whole;
    const code = dec !== undefined ? Number.parseInt(dec, 10) : Number.parseInt(hex as string, 16);
    const valid = code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff);
    return String.fromCodePoint(valid ? code : 0xfffd);
  });
}

const attributeEscapes: Record<string, string> = { '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' };

function escapeAttribute(value: string): string {
  return value.replace(/[&"<>]/g, (c) => attributeEscapes[c] as string);
}

/** An absolute http(s) URL a browser can follow; what a click token may carry. */
function trackableUrl(href: string, ownPrefixes: readonly string[]): string | null {
  // Browsers strip leading and trailing whitespace from URLs in attributes.
  const url = href.trim();
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) return null;
  const lower = url.toLowerCase();
  if (ownPrefixes.some((p) => lower.startsWith(p))) return null;
  return url;
}

/** The HTML with tracked links and, with `opens`, the open pixel before `</body>`. */
export function trackHtml(html: string, options: TrackHtmlOptions): string {
  const { messageId, baseUrl, secret } = options;
  const base = baseUrl.replace(/\/+$/, '');
  const ownPrefixes = ['/t/', '/u/'].map((p) => `${base}${p}`.toLowerCase());
  const parts: string[] = [];
  let copied = 0;
  let linkIndex = 0;
  anchorStart.lastIndex = 0;
  for (let start = anchorStart.exec(html); start; start = anchorStart.exec(html)) {
    const tag = readTag(html, start.index + 2);
    if (!tag) continue;
    const attributes = tag.attributes.filter((a): a is Attribute => typeof a !== 'string');
    const optOut = attributes.find((a) => a.name === optOutAttribute);
    const href = attributes.find((a) => a.name === 'href');
    const url =
      options.clicks && href?.value && optOut?.value?.trim().toLowerCase() !== 'off'
        ? trackableUrl(decodeEntities(href.value), ownPrefixes)
        : null;
    if (!optOut && (url === null || linkIndex > maxLinkIndex)) {
      anchorStart.lastIndex = tag.end;
      continue;
    }
    parts.push(html.slice(copied, start.index), html.slice(start.index, start.index + 2));
    for (const a of tag.attributes) {
      if (typeof a === 'string') parts.push(a);
      else if (a === optOut) continue;
      else if (a === href && url !== null && linkIndex <= maxLinkIndex) {
        const token = signToken({ kind: 'click', messageId, url, linkIndex: linkIndex++ }, secret);
        const gap = (/^\s*/.exec(a.raw) as RegExpExecArray)[0];
        parts.push(`${gap}href="${escapeAttribute(`${base}/t/c/${token}`)}"`);
      } else parts.push(a.raw);
    }
    parts.push(tag.close);
    copied = tag.end;
    anchorStart.lastIndex = tag.end;
  }
  parts.push(html.slice(copied));
  let out = parts.join('');
  if (options.opens) {
    const token = signToken({ kind: 'open', messageId }, secret);
    const pixel =
      `<img src="${escapeAttribute(`${base}/t/o/${token}`)}" width="1" height="1" alt="" border="0" ` +
      'style="display:block;width:1px;height:1px;border:0;margin:0;padding:0" />';
    const body = out.toLowerCase().lastIndexOf('</body');
    out = body === -1 ? out + pixel : out.slice(0, body) + pixel + out.slice(body);
  }
  return out;
}
