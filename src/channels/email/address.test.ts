import { describe, expect, it } from 'vitest';
import { domainOf, isEmailAddress, parseMailbox } from './address.ts';

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
