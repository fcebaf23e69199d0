import { describe, expect, it } from 'vitest';
import { isValidSenderId, parsePhoneNumber } from './phone.ts';

describe('parsePhoneNumber', () => {
  it.each([
    ['+34 600 11 12 22', undefined, '+34600111222'],
    ['600111222', 'ES', '+34600111222'],
    ['0034 600-111-222', undefined, '+34600111222'],
    ['(55) 1234 5678', 'MX', '+525512345678'],
    ['+49 1512 3456789', undefined, '+4915123456789'],
    ['+1 (415) 555-2671', 'ES', '+14155552671'],
    ['020 7946 0958', 'GB', '+442079460958'],
  ])('%s (region %s) → %s', (input, region, e164) => {
    expect(parsePhoneNumber(input, region)).toMatchObject({ ok: true, e164 });
  });

  it.each([
    ['ana@example.com', 'ES', 'not_a_number'],
    ['', 'ES', 'not_a_number'],
    ['call me', undefined, 'not_a_number'],
    ['600111222', undefined, 'needs_country'],
    ['600111222', 'XX', 'needs_country'],
    ['+34 600', undefined, 'invalid_for_country'],
    ['+34 123 456 789', undefined, 'invalid_for_country'],
    ['+999 1234567', undefined, 'invalid_for_country'],
  ])('refuses %j (region %s): %s', (input, region, problem) => {
    expect(parsePhoneNumber(input, region)).toEqual({ ok: false, problem });
  });

  it('tells mobile numbers from fixed lines', () => {
    expect(parsePhoneNumber('+34600111222')).toMatchObject({ type: 'MOBILE', country: 'ES' });
    expect(parsePhoneNumber('+34912345678')).toMatchObject({ type: 'FIXED_LINE', country: 'ES' });
  });
});

describe('isValidSenderId', () => {
  it.each([
    ['Acme', true],
    ['ACME Store', true],
    ['Acme2FA', true],
    ['+34600111222', true],
    ['AcmeStoreEU1', false],
    ['12345', false],
    ['Acmé', false],
    [' Acme', false],
    ['', false],
  ])('%j → %s', (sender, valid) => {
    expect(isValidSenderId(sender)).toBe(valid);
  });
});
