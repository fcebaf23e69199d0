import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { domainOf, emailAddressPattern, isEmailAddress, parseMailbox } from './address.ts';

describe('isEmailAddress', () => {
  it.each([
    'ana@example.com',
    'ana.diaz+orders@mail.example.co.uk',
    "o'brien@example.ie",
    'josé@correo.example.es',
    'user@xn--bcher-kva.example',
    'a@b.io',
  ])('accepts %s', (value) => {
    expect(isEmailAddress(value)).toBe(true);
  });

  it.each([
    '',
    'ana',
    'ana@',
    '@example.com',
    'ana@example',
    'ana@@example.com',
    'ana..diaz@example.com',
    '.ana@example.com',
    'ana.@example.com',
    'ana diaz@example.com',
    'ana@exa mple.com',
    'ana@-example.com',
    'ana@example-.com',
    'ana@example.c',
    'ana@example.123',
    'ana@example.com\r\nBcc: x@y.com',
    '"ana"@example.com',
    'ana@[127.0.0.1]',
    `${'a'.repeat(65)}@example.com`,
    `a@${'b'.repeat(250)}.com`,
  ])('refuses %j', (value) => {
    expect(isEmailAddress(value)).toBe(false);
  });
});

describe('emailAddressPattern (the OpenAPI document says what isEmailAddress checks)', () => {
  const pattern = new RegExp(emailAddressPattern, 'u');
  it.each([
    'ana@example.com',
    'a@b.co',
    'a..b@x.com',
    'a@x',
    'a@-x.com',
    'a@x-.com',
    'ñu@ñandú.es',
    'a@xn--abc.com',
    'a@x.c',
    '"a"@x.com',
    `${'x'.repeat(65)}@a.com`,
    `a@${'b'.repeat(64)}.com`,
  ])('agrees on %s', (address) => {
    expect(pattern.test(address)).toBe(isEmailAddress(address));
  });
  it('agrees on generated addresses and strings', () => {
    const text = fc.oneof(
      fc.emailAddress(),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.stringMatching(/^[a-zñ.@-]{1,24}$/),
    );
    fc.assert(
      fc.property(text, (s) => pattern.test(s) === isEmailAddress(s)),
      { numRuns: 5000 },
    );
  });
});

describe('parseMailbox', () => {
  it.each([
    ['ana@example.com', { email: 'ana@example.com' }],
    ['  ana@example.com ', { email: 'ana@example.com' }],
    ['Ana Díaz <ana@example.com>', { email: 'ana@example.com', name: 'Ana Díaz' }],
    ['"Díaz, Ana" <ana@example.com>', { email: 'ana@example.com', name: 'Díaz, Ana' }],
    ['"Ana \\"AD\\" Díaz" <ana@example.com>', { email: 'ana@example.com', name: 'Ana "AD" Díaz' }],
    ['<ana@example.com>', { email: 'ana@example.com' }],
  ])('parses %j', (text, expected) => {
    expect(parseMailbox(text)).toEqual(expected);
  });

  it.each([
    'Ana <ana@example>',
    'ana@example.com, bob@example.com',
    'Ana <ana@example.com',
    'Ana\r\n <ana@example.com>',
    'Ana <ana@example.com> trailing',
  ])('refuses %j', (text) => {
    expect(parseMailbox(text)).toBeUndefined();
  });
});

describe('domainOf', () => {
  it('lower-cases the host part', () => {
    expect(domainOf('Ana@Example.COM')).toBe('example.com');
  });
});
