// Signed tokens for the links Aviso puts in emails: the open pixel, click redirects and
// unsubscribe links. A token is `<payload>.<mac>`, both base64url; the MAC is HMAC-SHA256
// over the kind and the payload, truncated to 128 bits, keyed with the installation secret.
// Nothing in a token is trusted before its MAC checks out: a click redirect only ever goes to
// a URL that Aviso signed (no open redirect), and one kind's token is never accepted as another.
import { createHmac, timingSafeEqual } from 'node:crypto';

export type TokenKind = 'open' | 'click' | 'unsubscribe';

export type TrackingToken =
  | { kind: 'open'; messageId: string }
  | { kind: 'click'; messageId: string; url: string; linkIndex: number }
  | { kind: 'unsubscribe'; messageId: string };

type TokenOf<K extends TokenKind> = Extract<TrackingToken, { kind: K }>;

const macBytes = 16;
/** A 26-character ULID body is 130 bits whose top two are zero: 16 bytes. */
const idBytes = 16;
/** Click tokens carry a URL; anything longer than this is not a link we signed. */
const maxTokenLength = 8192;
const kindTags: Record<TokenKind, string> = { open: 'o', click: 'c', unsubscribe: 'u' };
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
const messageIdPattern = /^msg_[0-9a-hjkmnp-tv-z]{26}$/;
const tokenPattern = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{22})$/;

function mac(kind: TokenKind, payload: Buffer, secret: Buffer): Buffer {
  return createHmac('sha256', secret)
    .update(`aviso-link-v1:${kindTags[kind]}:`)
    .update(payload)
    .digest()
    .subarray(0, macBytes);
}

/** Message ids are `msg_` + a ULID; in a token they take their 16 binary bytes (kept short for mailto). */
function encodeMessageId(messageId: string): Buffer {
  if (!messageIdPattern.test(messageId)) throw new Error(`not a message id: ${messageId}`);
  let value = 0n;
  for (const c of messageId.slice(4)) value = value * 32n + BigInt(alphabet.indexOf(c));
  return Buffer.from(value.toString(16).padStart(idBytes * 2, '0'), 'hex');
}

function decodeMessageId(bytes: Buffer): string {
  let value = BigInt(`0x${bytes.toString('hex')}`);
  let body = '';
  for (let i = 0; i < 26; i++) {
    body = alphabet[Number(value % 32n)] + body;
    value /= 32n;
  }
  return `msg_${body}`;
}

function payloadOf(token: TrackingToken): Buffer {
  const id = encodeMessageId(token.messageId);
  if (token.kind !== 'click') return id;
  const index = Buffer.alloc(2);
  index.writeUInt16BE(token.linkIndex);
  return Buffer.concat([id, index, Buffer.from(token.url, 'utf8')]);
}

/** The token for a link; throws for a message id that is not one (a programming error). */
export function signToken(token: TrackingToken, secret: Buffer): string {
  const payload = payloadOf(token);
  return `${payload.toString('base64url')}.${mac(token.kind, payload, secret).toString('base64url')}`;
}

/** Base64url has several spellings of the same bytes (unused low bits): accept only ours. */
function decodeCanonical(text: string): Buffer | null {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : null;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * What a token of this kind says, or null when it is not one: malformed, signed for another
 * kind, or altered in any way.
 */
export function readToken<K extends TokenKind>(kind: K, token: string, secret: Buffer): TokenOf<K> | null {
  if (token.length > maxTokenLength) return null;
  const match = tokenPattern.exec(token);
  if (!match) return null;
  const payload = decodeCanonical(match[1] as string);
  const given = decodeCanonical(match[2] as string);
  if (!payload || !given || given.length !== macBytes) return null;
  if (!timingSafeEqual(given, mac(kind, payload, secret))) return null;
  if (payload.length < idBytes) return null;
  const messageId = decodeMessageId(payload.subarray(0, idBytes));
  if (kind !== 'click') {
    return payload.length === idBytes ? ({ kind, messageId } as TokenOf<K>) : null;
  }
  if (payload.length < idBytes + 2) return null;
  let url: string;
  try {
    url = utf8.decode(payload.subarray(idBytes + 2));
  } catch {
    return null;
  }
  const linkIndex = payload.readUInt16BE(idBytes);
  return { kind: 'click', messageId, url, linkIndex } as TokenOf<K>;
}

/** The largest link index a click token can carry; later links are left untracked. */
export const maxLinkIndex = 0xffff;
