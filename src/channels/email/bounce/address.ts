// Finding mail addresses in the loose text of reports. Deliberately simple (no comments, a
// quoted local part only without spaces): bounce texts quote addresses in every wrapping.

const addressPattern =
  /(?:"[^"\s@]+"|[\w.!#$%&'*+/=?^`{|}~-]+)@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+/i;

/**
 * An address as found, tidied: quotes and dots around it dropped, and the type of an X.400
 * gateway's domain-defined attribute (`dda:SMTP=user@example.com`, Exchange's IMS) taken off.
 */
const tidy = (found: string) =>
  found
    .replace(/^[.'`]+|[.'`]+$/g, '')
    .replace(/^(?:smtp|rfc-?822)=/i, '')
    .toLowerCase();

/** The addresses of a text in order, lower-cased, as they are found. */
function* addressesIn(text: string): Generator<string> {
  for (const m of text.matchAll(new RegExp(addressPattern.source, 'gi'))) {
    // RFC 5322 §3.4.1: two dots in a row only in a quoted local part ("a..b"@x); unquoted,
    // as in `david...@gmail.com`, they are an elision, not an address.
    if (m[0].startsWith('"') || !/\.\.[^@]*@/.test(m[0])) yield tidy(m[0]);
  }
}

/** The first address in a text, lower-cased, or ''. */
export function findAddress(text: string): string {
  for (const address of addressesIn(text)) return address;
  return '';
}

export function findAddresses(text: string): string[] {
  return [...addressesIn(text)];
}
