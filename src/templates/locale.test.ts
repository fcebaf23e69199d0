import { describe, expect, it } from 'vitest';
import { resolveLocale } from './locale.ts';

describe('resolveLocale', () => {
  it.each([
    ['es-MX', ['en', 'es'], 'en', 'es'],
    ['es-MX', ['en', 'es-MX', 'es'], 'en', 'es-MX'],
    ['es-mx', ['en', 'es-MX'], 'en', 'es-MX'],
    ['fr-CA', ['en', 'es'], 'es', 'es'],
    ['fr', ['de', 'en'], 'en-GB', 'en'],
    [undefined, ['en', 'es'], 'es', 'es'],
    ['zh-Hant-TW', ['zh-Hant', 'en'], 'en', 'zh-Hant'],
    ['pt-BR', ['de', 'it'], 'fr', 'de'],
  ] as const)('%s among %j with default %s → %s', (requested, available, fallback, expected) => {
    expect(resolveLocale(requested, available, fallback)).toBe(expected);
  });
});
