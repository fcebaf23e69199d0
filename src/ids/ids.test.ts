import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { firstIdAt, idTime, isId, newId } from './ids.ts';

describe('newId', () => {
  it('has the prefix and 26 base32 characters', () => {
    const id = newId('msg');
    expect(id).toMatch(/^msg_[0-9a-z]{26}$/);
    expect(isId('msg', id)).toBe(true);
    expect(isId('key', id)).toBe(false);
  });

  it('encodes its creation time and sorts by it', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 47 }), fc.integer({ min: 1, max: 2 ** 40 }), (a, d) => {
        const first = newId('msg', a);
        const second = newId('msg', a + d);
        expect(idTime(first)).toBe(a);
        expect(first < second).toBe(true);
      }),
    );
  });

  it('does not repeat', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => newId('msg', 1)));
    expect(ids.size).toBe(10_000);
  });
});

describe('firstIdAt', () => {
  it('bounds every id created at or after that time', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 47 }), (t) => {
        expect(firstIdAt('msg', t) <= newId('msg', t)).toBe(true);
        expect(newId('msg', t - 1) < firstIdAt('msg', t)).toBe(true);
      }),
    );
  });
});
