// Public identifiers: a type prefix and a ULID body (48-bit millisecond time, then 80 random
// bits, in Crockford base32, lower case). They sort by creation time, which the message
// list uses for ordering and cursors.
import { randomBytes } from 'node:crypto';

const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix = 'msg' | 'proj' | 'key' | 'dom' | 'prov' | 'wh';

function encodeTime(ms: number): string {
  let time = '';
  let t = Math.max(0, Math.floor(ms));
  for (let i = 0; i < 10; i++) {
    time = alphabet[t % 32] + time;
    t = Math.floor(t / 32);
  }
  return time;
}

export function newId(prefix: IdPrefix, now = Date.now()): string {
  const time = encodeTime(now);
  const random = randomBytes(10);
  let rest = '';
  // 80 bits → 16 characters of 5 bits each.
  let acc = 0;
  let bits = 0;
  for (const byte of random) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      rest += alphabet[(acc >> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return `${prefix}_${time}${rest}`;
}

const idPattern = /^[a-z]+_[0-9a-hjkmnp-tv-z]{26}$/;

export function isId(prefix: IdPrefix, value: string): boolean {
  return value.startsWith(`${prefix}_`) && idPattern.test(value);
}

/** The creation time encoded in an id. */
export function idTime(id: string): number {
  const body = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11);
  let t = 0;
  for (const c of body) t = t * 32 + alphabet.indexOf(c);
  return t;
}

/** The smallest id of this type created at or after `ms`: a bound for time-range queries. */
export function firstIdAt(prefix: IdPrefix, ms: number): string {
  return `${prefix}_${encodeTime(ms)}${'0'.repeat(16)}`;
}
