import { describe, expect, it } from 'vitest';
import { emptyRecord, isForbiddenKey, parseUntrustedJson } from './records.ts';

describe('records built from user text', () => {
  it('keeps __proto__ an own key of an empty record', () => {
    const record = emptyRecord<string>();
    for (const key of ['__proto__', 'constructor']) record[key] = 'x';
    expect(Object.keys(record)).toEqual(['__proto__', 'constructor']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(Object.getPrototypeOf(record)).toBeNull();
  });

  it.each([
    ['__proto__', true],
    ['constructor', true],
    ['prototype', true],
    ['proto', false],
    ['Constructor', false],
    ['', false],
  ])('says whether %j is forbidden', (key, forbidden) => {
    expect(isForbiddenKey(key)).toBe(forbidden);
  });

  it('drops prototype-poisoning keys from JSON and parses the rest', () => {
    const value = parseUntrustedJson(
      '{"a":1,"__proto__":{"polluted":true},"b":{"constructor":{"prototype":{"polluted":true}},"c":[1]}}',
    ) as Record<string, unknown>;
    expect(value).toEqual({ a: 1, b: { c: [1] } });
    expect(Object.hasOwn(value, '__proto__')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(() => parseUntrustedJson('{')).toThrow(SyntaxError);
  });
});
