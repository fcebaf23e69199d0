// SMS encoding and segments (3GPP TS 23.038 alphabets, TS 23.040 concatenation): which encoding a
// text needs, what it costs in segments, and the segment texts themselves. Pure. It never changes
// the text on its own; transliteration is a separate function the caller must choose to apply.

import type { SmsEncoding } from '../../vocabulary.ts';

export type { SmsEncoding } from '../../vocabulary.ts';

export interface SmsSegmentation {
  encoding: SmsEncoding;
  /** What the message costs. 0 for the empty text: there is nothing to send or bill. */
  segments: number;
  /** Septets for GSM-7 (an extension character counts 2), UTF-16 code units for UCS-2. */
  units: number;
  /** Units one segment of this message holds: 160 or 153 for GSM-7, 70 or 67 for UCS-2. */
  perSegment: number;
  /** Units still free in the last segment (the whole first segment for the empty text). */
  unitsLeft: number;
  /** The distinct characters that forced UCS-2, in order of first appearance; empty for GSM-7. */
  nonGsmCharacters: string[];
}

// TS 23.038 §6.2.1, in code order. 0x1B is the escape to the extension table, not a character.
const gsmBasic = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
    '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);

// TS 23.038 §6.2.1.1: each costs the escape septet plus its own.
const gsmExtension = new Set('\f^{}\\[~]|€');

// One segment carries 140 octets. Concatenation adds a 6-octet user data header
// (TS 23.040 §9.2.3.24.1), leaving 134 octets: 153 septets or 67 UTF-16 units.
const limits: Record<SmsEncoding, { single: number; multi: number }> = {
  'GSM-7': { single: 160, multi: 153 },
  'UCS-2': { single: 70, multi: 67 },
};

function isGsmCharacter(character: string): boolean {
  return gsmBasic.has(character) || gsmExtension.has(character);
}

function septets(character: string): number {
  return gsmExtension.has(character) ? 2 : 1;
}

function utf16Units(character: string): number {
  return character.length;
}

export function isGsm7(text: string): boolean {
  for (const character of text) if (!isGsmCharacter(character)) return false;
  return true;
}

interface Packing {
  encoding: SmsEncoding;
  units: number;
  perSegment: number;
  /** UTF-16 index where each segment starts. */
  starts: number[];
  unitsInLast: number;
  nonGsmCharacters: string[];
}

// Segments are packed character by character (code points, as `for…of` yields them) rather than
// by dividing the units: an escaped pair or a surrogate pair that does not fit moves whole to
// the next segment, so a long message can need one segment more than units / perSegment.
function pack(text: string): Packing {
  const nonGsm = new Set<string>();
  for (const character of text) if (!isGsmCharacter(character)) nonGsm.add(character);
  const encoding: SmsEncoding = nonGsm.size === 0 ? 'GSM-7' : 'UCS-2';
  const cost = encoding === 'GSM-7' ? septets : utf16Units;
  const nonGsmCharacters = [...nonGsm];

  let units = 0;
  for (const character of text) units += cost(character);
  const { single, multi } = limits[encoding];
  if (units <= single) {
    const starts = text === '' ? [] : [0];
    return { encoding, units, perSegment: single, starts, unitsInLast: units, nonGsmCharacters };
  }

  const starts = [0];
  let used = 0;
  let index = 0;
  for (const character of text) {
    const c = cost(character);
    if (used + c > multi) {
      starts.push(index);
      used = 0;
    }
    used += c;
    index += character.length;
  }
  return { encoding, units, perSegment: multi, starts, unitsInLast: used, nonGsmCharacters };
}

export function segmentSms(text: string): SmsSegmentation {
  const { encoding, units, perSegment, starts, unitsInLast, nonGsmCharacters } = pack(text);
  return {
    encoding,
    segments: starts.length,
    units,
    perSegment,
    unitsLeft: perSegment - unitsInLast,
    nonGsmCharacters,
  };
}

/** The texts of the segments segmentSms counts, in order; [] for the empty text. */
export function splitSms(text: string): string[] {
  const { starts } = pack(text);
  return starts.map((start, i) => text.slice(start, starts[i + 1]));
}

// Replacements Unicode normalization cannot find. Accented letters need no entry: stripping the
// marks of the decomposed form gives á → a, Ì → I, ź → z. That includes ç → c: GSM has only the
// capital Ç, and "Curacao" reads better than "CuraÇao".
const gsmReplacements: Record<string, string> = {
  '`': "'",
  '´': "'",
  '\u2018': "'",
  '\u2019': "'",
  '\u201A': "'",
  '\u201B': "'",
  '\u2032': "'",
  '\u02BC': "'",
  '\u2039': "'",
  '\u203A': "'",
  '\u201C': '"',
  '\u201D': '"',
  '\u201E': '"',
  '\u201F': '"',
  '\u2033': '"',
  '«': '"',
  '»': '"',
  '\u2010': '-',
  '\u2011': '-',
  '\u2012': '-',
  '\u2013': '-',
  '\u2014': '-',
  '\u2015': '-',
  '\u2212': '-',
  '\u2026': '...',
  '\t': ' ',
  '\u00A0': ' ',
  '\u2000': ' ',
  '\u2001': ' ',
  '\u2002': ' ',
  '\u2003': ' ',
  '\u2004': ' ',
  '\u2005': ' ',
  '\u2006': ' ',
  '\u2007': ' ',
  '\u2008': ' ',
  '\u2009': ' ',
  '\u200A': ' ',
  '\u202F': ' ',
  '\u205F': ' ',
  '\u3000': ' ',
  // Invisible: soft hyphen, zero-width space, word joiner, byte order mark. Not the zero-width
  // joiner, which holds emoji sequences together.
  '\u00AD': '',
  '\u200B': '',
  '\u2060': '',
  '\uFEFF': '',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  ð: 'd',
  Ð: 'D',
  ı: 'i',
  œ: 'oe',
  Œ: 'OE',
  þ: 'th',
  Þ: 'Th',
};

// A character with the combining marks that follow it (or marks at the very start).
const characterWithMarks = /\P{M}\p{M}*|\p{M}+/gu;
const marks = /\p{M}/gu;

function toGsm(cluster: string): string {
  if (isGsm7(cluster)) return cluster;
  const composed = cluster.normalize('NFC');
  if (isGsm7(composed)) return composed;
  const replacement = gsmReplacements[composed];
  if (replacement !== undefined) return replacement;
  const bare = composed.normalize('NFD').replace(marks, '');
  return bare !== '' && isGsm7(bare) ? bare : cluster;
}

/**
 * Replaces characters outside GSM-7 with their closest GSM-7 spelling (á → a, “ → ", … → ...),
 * leaving GSM-7 characters (é, ñ, ü) and those with no sensible equivalent (emoji, CJK) as they
 * are. Idempotent. Only for templates that opted in: it changes what the recipient reads.
 */
export function transliterateToGsm(text: string): string {
  return text.replace(characterWithMarks, toGsm);
}
