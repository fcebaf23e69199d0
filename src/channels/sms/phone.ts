// Phone numbers as SMS and WhatsApp need them: E.164 (`+34600111222`), from whatever people
// type ("600 11 12 22" with the project's region, "+34 600-111-222", "0034…"). A number that
// cannot be a real mobile or fixed line of its country is refused, not guessed. Pure.
import { type CountryCode, isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js/max';

type PhoneNumberProblem = 'not_a_number' | 'needs_country' | 'invalid_for_country';

export type ParsedPhoneNumber =
  | { ok: true; e164: string; country: string | undefined; type: string | undefined }
  | { ok: false; problem: PhoneNumberProblem };

/** True for an ISO 3166 region libphonenumber knows ("ES", "MX"). */
export function isPhoneRegion(region: string): boolean {
  return isSupportedCountry(region);
}

/**
 * Normalizes `input` to E.164. National numbers ("600111222") need `defaultRegion`; the
 * international "00" prefix is read as "+".
 */
export function parsePhoneNumber(input: string, defaultRegion?: string): ParsedPhoneNumber {
  const text = input.trim().replace(/^00(?=[1-9])/, '+');
  if (!/^\+?[\d\s().\-/]{3,30}$/.test(text) || !/\d/.test(text))
    return { ok: false, problem: 'not_a_number' };
  const region =
    defaultRegion && isSupportedCountry(defaultRegion) ? (defaultRegion as CountryCode) : undefined;
  if (!text.startsWith('+') && !region) return { ok: false, problem: 'needs_country' };
  const parsed = parsePhoneNumberFromString(text, region);
  if (!parsed?.isValid()) return { ok: false, problem: 'invalid_for_country' };
  return { ok: true, e164: parsed.number, country: parsed.country, type: parsed.getType() };
}

/**
 * A sender ID SMS carriers accept: a number in E.164, or an alphanumeric name of 1 to 11
 * GSM letters, digits and spaces with at least one letter (all digits would read as a number).
 */
export function isValidSenderId(sender: string): boolean {
  if (/^\+[1-9]\d{6,14}$/.test(sender)) return true;
  return /^[A-Za-z0-9 ]{1,11}$/.test(sender) && /[A-Za-z]/.test(sender) && sender.trim() === sender;
}
