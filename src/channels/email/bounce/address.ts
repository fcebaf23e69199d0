// Finding mail addresses in the loose text of reports. Deliberately simple (no comments or
// quoted local parts): bounce texts quote addresses in every possible wrapping.

const addressPattern =
  /[\w.!#$%&'*+/=?^`{|}~-]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+/i;

/** The first address in a text, lower-cased, or ''. */
export function findAddress(text: string): string {
  const m = addressPattern.exec(text);
  return m ? m[0].replace(/^[.'`]+|[.'`]+$/g, '').toLowerCase() : '';
}

export function findAddresses(text: string): string[] {
  const all = text.match(new RegExp(addressPattern.source, 'gi')) ?? [];
  return all.map((a) => a.replace(/^[.'`]+|[.'`]+$/g, '').toLowerCase());
}

export function isAddress(text: string): boolean {
  return new RegExp(`^${addressPattern.source}$`, 'i').test(text.trim());
}
