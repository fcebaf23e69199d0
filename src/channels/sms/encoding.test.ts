import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isGsm7, type SmsSegmentation, segmentSms, splitSms, transliterateToGsm } from './encoding.ts';

const a = (n: number) => 'a'.repeat(n);

describe('segmentSms', () => {
  it.each<[string, string, Omit<SmsSegmentation, 'nonGsmCharacters'>]>([
    ['empty', '', { encoding: 'GSM-7', segments: 0, units: 0, perSegment: 160, unitsLeft: 160 }],
    ['one character', 'a', { encoding: 'GSM-7', segments: 1, units: 1, perSegment: 160, unitsLeft: 159 }],
    ['160 GSM-7', a(160), { encoding: 'GSM-7', segments: 1, units: 160, perSegment: 160, unitsLeft: 0 }],
    ['161 GSM-7', a(161), { encoding: 'GSM-7', segments: 2, units: 161, perSegment: 153, unitsLeft: 145 }],
    ['306 GSM-7', a(306), { encoding: 'GSM-7', segments: 2, units: 306, perSegment: 153, unitsLeft: 0 }],
    ['307 GSM-7', a(307), { encoding: 'GSM-7', segments: 3, units: 307, perSegment: 153, unitsLeft: 152 }],
    [
      '80 euro signs',
      '€'.repeat(80),
      { encoding: 'GSM-7', segments: 1, units: 160, perSegment: 160, unitsLeft: 0 },
    ],
    [
      '81 euro signs',
      '€'.repeat(81),
      { encoding: 'GSM-7', segments: 2, units: 162, perSegment: 153, unitsLeft: 143 },
    ],
    [
      'euro price',
      'Precio: 5 €',
      { encoding: 'GSM-7', segments: 1, units: 12, perSegment: 160, unitsLeft: 148 },
    ],
    [
      'escaped pair at a boundary',
      `${a(152)}{${a(10)}`,
      { encoding: 'GSM-7', segments: 2, units: 164, perSegment: 153, unitsLeft: 141 },
    ],
    [
      'escaped pairs that would fit by division',
      '|'.repeat(153),
      // 306 septets would fit two segments of 153, but 76 pairs fill only 152 of each.
      { encoding: 'GSM-7', segments: 3, units: 306, perSegment: 153, unitsLeft: 151 },
    ],
    [
      '¿ and ¡ are GSM-7',
      '¡Hola! ¿Qué tal?',
      { encoding: 'GSM-7', segments: 1, units: 16, perSegment: 160, unitsLeft: 144 },
    ],
    ['¿Cuándo?', '¿Cuándo?', { encoding: 'UCS-2', segments: 1, units: 8, perSegment: 70, unitsLeft: 62 }],
    ['70 UCS-2', 'ó'.repeat(70), { encoding: 'UCS-2', segments: 1, units: 70, perSegment: 70, unitsLeft: 0 }],
    [
      '71 UCS-2',
      'ó'.repeat(71),
      { encoding: 'UCS-2', segments: 2, units: 71, perSegment: 67, unitsLeft: 63 },
    ],
    [
      'euro sign in UCS-2 costs 1',
      `á${'€'.repeat(69)}`,
      { encoding: 'UCS-2', segments: 1, units: 70, perSegment: 70, unitsLeft: 0 },
    ],
    [
      '35 emoji',
      '😀'.repeat(35),
      { encoding: 'UCS-2', segments: 1, units: 70, perSegment: 70, unitsLeft: 0 },
    ],
    [
      'surrogate pair at a boundary',
      `${a(66)}😀${a(10)}`,
      { encoding: 'UCS-2', segments: 2, units: 78, perSegment: 67, unitsLeft: 55 },
    ],
    [
      'newlines are GSM-7',
      'line\r\nline',
      { encoding: 'GSM-7', segments: 1, units: 10, perSegment: 160, unitsLeft: 150 },
    ],
    [
      'form feed is escaped',
      'a\fb',
      { encoding: 'GSM-7', segments: 1, units: 4, perSegment: 160, unitsLeft: 156 },
    ],
  ])('%s', (_, text, expected) => {
    expect(segmentSms(text)).toMatchObject(expected);
  });

  it.each([
    ['', []],
    ['¡Hola! ¿Qué tal? 5 € [ok]', []],
    ['¿Cuándo?', ['á']],
    ['ça va? 😀 ça 😀 ü 中', ['ç', '😀', '中']],
    ['`code`', ['`']],
  ])('%j forces UCS-2 because of %j', (text, characters) => {
    expect(segmentSms(text).nonGsmCharacters).toEqual(characters);
  });
});

describe('splitSms', () => {
  it.each([
    ['', []],
    ['Hola', ['Hola']],
    [a(160), [a(160)]],
    [a(161), [a(153), a(8)]],
    [`${a(152)}{${a(10)}`, [a(152), `{${a(10)}`]],
    [`${a(152)}€`, [`${a(152)}€`]],
    [`${a(160)}€`, [a(153), `${a(7)}€`]],
    ['ó'.repeat(71), ['ó'.repeat(67), 'ó'.repeat(4)]],
    [`${a(66)}😀${a(10)}`, [a(66), `😀${a(10)}`]],
    [`${a(65)}😀${a(10)}`, [`${a(65)}😀`, a(10)]],
  ])('%j', (text, segments) => {
    expect(splitSms(text)).toEqual(segments);
  });
});

describe('isGsm7', () => {
  it.each(['', 'Hello, world!', '@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà', '^{}\\[~]|€\f', '\r\n'])(
    'accepts %j',
    (text) => {
      expect(isGsm7(text)).toBe(true);
    },
  );

  it.each([
    'á',
    'ç',
    'Ì',
    '`',
    '\t',
    '\u00A0',
    '“',
    '😀',
    '中',
    '\u2126', // Ohm sign, not the Greek Ω of the alphabet
    '\u001B',
  ])('refuses %j', (text) => {
    expect(isGsm7(text)).toBe(false);
  });
});

describe('transliterateToGsm', () => {
  it.each([
    ['¿Cuándo llegás?', '¿Cuando llegas?'],
    ['ÁÉÍÓÚ áéíóú', 'AÉIOU aéiou'],
    ['Tu cita: miércoles', 'Tu cita: miércoles'],
    ['“Hola” ‘tú’', '"Hola" \'tu\''],
    ['«Bonjour»', '"Bonjour"'],
    ['a – b — c', 'a - b - c'],
    ['Espera…', 'Espera...'],
    ['son\u00A010\u202F€', 'son 10 €'],
    ['Curaçao, Ça', 'Curacao, Ça'],
    ['Łódź', 'Lodz'],
    ['Œuvre', 'OEuvre'],
    ['Ìñigo São Paulo', 'Iñigo Sao Paulo'],
    ['e\u0301', 'é'],
    ['\u2126', 'Ω'],
    ['x\u200By', 'xy'],
    ['`ls`\tok', "'ls' ok"],
    ['😀 中文 привет', '😀 中文 привет'],
    ['👨‍👩‍👧 ❤️', '👨‍👩‍👧 ❤️'],
    ['\u0301a', '\u0301a'],
  ])('%j → %j', (text, expected) => {
    expect(transliterateToGsm(text)).toBe(expected);
  });

  it('turns a Spanish reminder into one GSM-7 segment', () => {
    const text = transliterateToGsm(
      'Recordatorio: tu cita es el miércoles a las 10:30 — ¿confirmás? Respondé “SÍ”…',
    );
    expect(text).toBe('Recordatorio: tu cita es el miércoles a las 10:30 - ¿confirmas? Respondé "SI"...');
    expect(segmentSms(text)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
  });
});

const gsmCharacter = fc.constantFrom(...'@£$¥èéÇΔΩ_ \n\r!"#¤%&\'()*+,-./09:;<=>?¡AZÄÑ§¿azäüà^{}\\[~]|€\f');
const otherCharacter = fc.constantFrom(
  'á',
  'ç',
  'ó',
  '“',
  '…',
  '\u00A0',
  '😀',
  '👍🏽',
  '中',
  'e\u0301',
  '\u0301',
);
const smsText = fc.oneof(
  fc.array(gsmCharacter, { maxLength: 400 }).map((c) => c.join('')),
  fc
    .array(fc.oneof({ arbitrary: gsmCharacter, weight: 9 }, otherCharacter), { maxLength: 300 })
    .map((c) => c.join('')),
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
);

describe('properties', () => {
  it('splitSms keeps every character, in order', () => {
    fc.assert(
      fc.property(smsText, (text) => {
        expect(splitSms(text).join('')).toBe(text);
      }),
    );
  });

  it('splitSms agrees with segmentSms, and every segment fits', () => {
    fc.assert(
      fc.property(smsText, (text) => {
        const segments = splitSms(text);
        const { encoding, perSegment, segments: count, units, unitsLeft } = segmentSms(text);
        expect(segments).toHaveLength(count);
        const cost = (s: string) => (encoding === 'GSM-7' ? segmentSms(s).units : s.length);
        for (const segment of segments) {
          expect(segment).not.toBe('');
          expect(cost(segment)).toBeLessThanOrEqual(perSegment);
          expect(segment).not.toMatch(/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/);
        }
        expect(segments.reduce((sum, s) => sum + cost(s), 0)).toBe(units);
        if (count > 0) expect(cost(segments[count - 1] as string)).toBe(perSegment - unitsLeft);
      }),
    );
  });

  it('segmentSms picks UCS-2 exactly when some character is outside GSM-7', () => {
    fc.assert(
      fc.property(smsText, (text) => {
        const { encoding, nonGsmCharacters } = segmentSms(text);
        expect(encoding).toBe(isGsm7(text) ? 'GSM-7' : 'UCS-2');
        expect(nonGsmCharacters.length === 0).toBe(encoding === 'GSM-7');
        expect(new Set(nonGsmCharacters).size).toBe(nonGsmCharacters.length);
      }),
    );
  });

  it('transliterateToGsm is idempotent and never touches GSM-7 text', () => {
    fc.assert(
      fc.property(smsText, (text) => {
        const once = transliterateToGsm(text);
        expect(transliterateToGsm(once)).toBe(once);
        if (isGsm7(text)) expect(once).toBe(text);
      }),
    );
  });
});
