import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { foreignSnippet, foreignString } from './foreign-text.ts';

describe('foreignSnippet', () => {
  it('makes runs of control characters and spaces one space, and drops NUL and format characters', () => {
    expect(foreignSnippet('Invalid "To" phone number', 200)).toBe('Invalid "To" phone number');
    expect(foreignSnippet('550-5.1.1 No such user\r\n550 5.1.1 Bye\u0000\u0007 \u202eevil', 200)).toBe(
      '550-5.1.1 No such user 550 5.1.1 Bye evil',
    );
  });

  it('cuts long text to the limit, marking the cut', () => {
    const text = `${'a'.repeat(300)}secret`;
    const snippet = foreignSnippet(text, 200);
    expect(Array.from(snippet)).toHaveLength(200);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet).not.toContain('secret');
  });

  it('reads bytes as UTF-8, replacing what is not, and never leaves half a character', () => {
    const bytes = Buffer.concat([Buffer.from('caf\u00e9 '), Buffer.from([0xff, 0xfe]), Buffer.from('ok')]);
    expect(foreignSnippet(bytes, 200)).toBe('café \ufffd\ufffdok');
    expect(foreignSnippet(Buffer.from('añ').subarray(0, 2), 200)).toBe('a');
    expect(foreignSnippet('emoji \ud83d', 200)).toBe('emoji \ufffd');
  });

  it('answers at most the limit of valid, NUL-free, control-free text for any input', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: 'binary' }), fc.uint8Array()),
        fc.integer({ min: 2, max: 300 }),
        (input, max) => {
          const snippet = foreignSnippet(input, max);
          expect(Array.from(snippet).length).toBeLessThanOrEqual(max);
          expect(snippet).not.toMatch(/[\p{Cc}\p{Cf}]/u);
          // encodeURIComponent throws on a lone surrogate.
          expect(() => encodeURIComponent(snippet)).not.toThrow();
        },
      ),
    );
  });
});

describe('foreignString', () => {
  it('answers a snippet of a string or number, else undefined', () => {
    expect(foreignString(21211, 20)).toBe('21211');
    expect(foreignString(' x\u0000 ', 20)).toBe('x');
    expect(foreignString('', 20)).toBeUndefined();
    expect(foreignString({ a: 1 }, 20)).toBeUndefined();
  });
});
