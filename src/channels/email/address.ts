// Email address syntax as senders need it: the dot-atom form of RFC 5322 §3.4.1 for the local
// part (plus UTF-8, RFC 6531) and a host name with at least two labels. Quoted local parts and
// address literals are refused: no transactional recipient needs them and they hide mistakes.
import { domainToASCII } from 'node:url';

export interface Mailbox {
  email: string;
  name?: string;
}

const atextChars = "A-Za-z0-9!#$%&'*+/=?^_`{|}~\\u0080-\\uFFFF-";
const labelChars = 'A-Za-z0-9\\u0080-\\uFFFF';
const tldPattern = '(?:[A-Za-z\\u0080-\\uFFFF]{2,63}|xn--[A-Za-z0-9-]{1,59})';
const atext = new RegExp(`^[${atextChars}]+$`, 'u');
const label = /^(?!-)[A-Za-z0-9\u0080-\uFFFF-]{1,63}(?<!-)$/u;
const tld = new RegExp(`^${tldPattern}$`, 'u');

/** isEmailAddress as one regular expression (JSON Schema `pattern`), for the OpenAPI document. */
export const emailAddressPattern =
  `^(?=.{1,254}$)(?=[^@]{1,64}@)[${atextChars}]+(?:\\.[${atextChars}]+)*` +
  `@(?:[${labelChars}](?:[${labelChars}-]{0,61}[${labelChars}])?\\.)+${tldPattern}$`;

export function isEmailAddress(value: string): boolean {
  if (value.length > 254) return false;
  const at = value.lastIndexOf('@');
  if (at <= 0 || at === value.length - 1) return false;
  const local = value.slice(0, at);
  const domain = value.slice(at + 1);
  if (local.length > 64) return false;
  if (!local.split('.').every((atom) => atom.length > 0 && atext.test(atom))) return false;
  const labels = domain.split('.');
  if (labels.length < 2) return false;
  if (!labels.every((l) => label.test(l))) return false;
  return tld.test(labels[labels.length - 1] as string);
}

const hasLineBreak = /[\r\n]/;

/**
 * Parses `ana@example.com` or `Ana Díaz <ana@example.com>` (the name may be quoted).
 * Returns undefined when the text is not exactly one valid mailbox.
 */
export function parseMailbox(text: string): Mailbox | undefined {
  const trimmed = text.trim();
  if (hasLineBreak.test(trimmed)) return undefined;
  const angle = /^(?:"((?:[^"\\]|\\.)*)"|([^"<>]*?))\s*<([^<>\s]+)>$/u.exec(trimmed);
  if (angle) {
    const name = (angle[1] !== undefined ? angle[1].replace(/\\(.)/g, '$1') : (angle[2] ?? '')).trim();
    const email = angle[3] as string;
    if (!isEmailAddress(email)) return undefined;
    return name ? { email, name } : { email };
  }
  return isEmailAddress(trimmed) ? { email: trimmed } : undefined;
}

export function isValidDisplayName(name: string): boolean {
  return !hasLineBreak.test(name) && name.length <= 256;
}

const nonAscii = /[\u0080-\uffff]/;

/**
 * The address as it travels in SMTP commands and ASCII headers: the domain as A-labels
 * (`tiendá.es` → `xn--tiend-1qa.es`, IDNA per WHATWG URL). The local part is kept: a non-ASCII
 * one needs SMTPUTF8 (RFC 6531), see needsSmtpUtf8.
 */
export function asciiAddress(email: string): string {
  const at = email.lastIndexOf('@');
  const domain = email.slice(at + 1);
  if (!nonAscii.test(domain)) return email;
  return `${email.slice(0, at)}@${domainToASCII(domain) || domain}`;
}

/** The domain as A-labels, lower-cased: what Message-IDs and DKIM's d= carry. */
export function asciiDomain(domain: string): string {
  return (domainToASCII(domain) || domain).toLowerCase();
}

/** A non-ASCII local part: the server must offer SMTPUTF8 (RFC 6531 §3.4) to take it. */
export function needsSmtpUtf8(email: string): boolean {
  return nonAscii.test(email.slice(0, email.lastIndexOf('@')));
}

/** The host part of an address, lower-cased. */
export function domainOf(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1).toLowerCase();
}

/** A mailbox from stored columns: the name only when there is one. */
export function mailbox(email: string, name: string | null): Mailbox {
  return name ? { email, name } : { email };
}
