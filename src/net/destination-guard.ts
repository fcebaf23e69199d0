// The SSRF guard of every outbound destination a project's API key can set (webhook URLs,
// provider base URLs, SMTP relays, SMSCs): unless the installation allows it, none may reach
// loopback, private, link-local (cloud metadata) or other non-public addresses. Callers check
// when the destination is saved and again when they connect, and then connect to the address
// vetted here: never a second lookup that DNS rebinding could answer differently.
import { promises as dns, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'shared'
  | 'unspecified'
  | 'multicast'
  | 'broadcast'
  | 'reserved';

const classNames: Record<Exclude<AddressClass, 'public'>, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  'link-local': 'a link-local address',
  shared: 'a carrier-grade NAT address',
  unspecified: 'an unspecified address',
  multicast: 'a multicast address',
  broadcast: 'the broadcast address',
  reserved: 'a reserved address',
};

function ipv4Octets(ip: string): number[] {
  return ip.split('.').map(Number);
}

function classifyIpv4([a = 0, b = 0, c = 0, d = 0]: number[]): AddressClass {
  if (a === 0) return 'unspecified'; // 0.0.0.0/8: "this network"; Linux connects it to localhost
  if (a === 127) return 'loopback';
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return 'private';
  if (a === 169 && b === 254) return 'link-local';
  if (a === 100 && b >= 64 && b <= 127) return 'shared';
  if (a >= 224 && a <= 239) return 'multicast';
  if (a === 255 && b === 255 && c === 255 && d === 255) return 'broadcast';
  if (a >= 240) return 'reserved';
  // IETF protocol assignments, documentation (TEST-NET-1/2/3), benchmarking (RFC 6890).
  if (
    (a === 192 && b === 0 && (c === 0 || c === 2)) ||
    (a === 198 && (b === 18 || b === 19)) ||
    (a === 198 && b === 51 && c === 100) ||
    (a === 203 && b === 0 && c === 113)
  )
    return 'reserved';
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (with any dotted IPv4 tail and zone removed). */
function ipv6Groups(ip: string): number[] {
  let text = ip.replace(/%.*$/, '').toLowerCase();
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a = 0, b = 0, c = 0, d = 0] = ipv4Octets(tail[1] as string);
    text = `${text.slice(0, -(tail[1] as string).length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const fill = rest === undefined ? [] : new Array(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => Number.parseInt(g, 16));
}

function embeddedIpv4(g: number[], at: number): number[] {
  const hi = g[at] ?? 0;
  const lo = g[at + 1] ?? 0;
  return [hi >> 8, hi & 0xff, lo >> 8, lo & 0xff];
}

function classifyIpv6(g: number[]): AddressClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroPrefix = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 === 0) return 'unspecified';
  if (zeroPrefix && g5 === 0 && g6 === 0 && g7 === 1) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and the deprecated IPv4-compatible (::a.b.c.d) forms reach
  // the IPv4 address they embed; so do NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
  if (zeroPrefix && (g5 === 0xffff || g5 === 0)) return classifyIpv4(embeddedIpv4(g, 6));
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0)
    return classifyIpv4(embeddedIpv4(g, 6));
  if (g0 === 0x2002) return classifyIpv4(embeddedIpv4(g, 1));
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // unique local fc00::/7
  if ((g0 & 0xffc0) === 0xfe80) return 'link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'private'; // site-local, deprecated
  if ((g0 & 0xff00) === 0xff00) return 'multicast';
  if (g0 === 0x2001 && g1 === 0x0db8) return 'reserved'; // documentation
  if (g0 === 0x0100 && g1 === 0 && g2 === 0 && g3 === 0) return 'reserved'; // discard-only
  return 'public';
}

/** What kind of address an IPv4 or IPv6 literal is. Throws on something that is not an IP. */
export function classifyAddress(ip: string): AddressClass {
  const bare = ip.replace(/^\[|\]$/g, '');
  const family = isIP(bare.replace(/%.*$/, ''));
  if (family === 4) return classifyIpv4(ipv4Octets(bare));
  if (family === 6) return classifyIpv6(ipv6Groups(bare));
  throw new Error(`not an IP address: ${ip}`);
}

export type DestinationProblem = 'invalid' | 'not_allowed' | 'unresolvable';

/** Why a destination was refused; callers turn `problem` into their own error code. */
export class DestinationRefused extends Error {
  constructor(
    readonly problem: DestinationProblem,
    message: string,
  ) {
    super(message);
    this.name = 'DestinationRefused';
  }
}

export type HostLookup = (host: string) => Promise<LookupAddress[]>;

/** How destinations are checked: built from the configuration by destinationPolicy(). */
export interface DestinationPolicy {
  /** The installation lets destinations resolve to non-public addresses (self-hosted setups). */
  allowPrivate: boolean;
  /** Said after a refusal: who may connect where, and the setting that lifts the guard. */
  advice: string;
  /** Resolves host names (tests); default the system resolver. */
  lookup?: HostLookup;
}

export interface VettedAddress {
  /** The host name as given (brackets of an IPv6 literal removed). */
  host: string;
  /** The address to connect to: checked here, used instead of a second lookup. */
  address: string;
  family: 4 | 6;
}

export interface VettedUrl extends VettedAddress {
  url: URL;
}

const systemLookup: HostLookup = (host) => dns.lookup(host, { all: true, verbatim: true });

// Spaces, control and format characters: WHATWG URL parsing silently drops tabs and line
// breaks and percent-encodes spaces, so what would be stored is not what was checked, and a
// CR/LF could end up in a header or a log line.
const unsafeCharacter = /[\p{Cc}\p{Cf}\p{Z}]/u;

/** Refuses text holding spaces or control characters, naming the first one. */
export function refuseUnsafeCharacters(text: string, what: string): void {
  const found = unsafeCharacter.exec(text);
  if (!found) return;
  const code = (found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
  throw new DestinationRefused(
    'invalid',
    `${what} may not contain spaces or control characters (U+${code} at position ${found.index + 1}).`,
  );
}

/**
 * Parses an http(s) URL: no spaces or control characters, no user name or password (they would
 * be sent in the clear and logged). The address is checked by vetHttpUrl; store `url.href`.
 */
export function parseHttpUrl(text: string, what = 'A URL'): URL {
  refuseUnsafeCharacters(text, what);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new DestinationRefused('invalid', `"${text}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new DestinationRefused('invalid', `${what} is http:// or https://, not ${url.protocol}//.`);
  if (url.username || url.password)
    throw new DestinationRefused('invalid', `${what} may not carry a user name or password.`);
  return url;
}

/**
 * Resolves the host and refuses it if ANY of its addresses is not public (one private answer
 * among public ones is how rebinding attacks start), unless the policy allows private ones.
 */
export async function vetHost(hostText: string, policy: DestinationPolicy): Promise<VettedAddress> {
  const host = hostText.replace(/^\[|\]$/g, '');
  refuseUnsafeCharacters(host, 'A host name');
  let addresses: LookupAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await (policy.lookup ?? systemLookup)(host);
    } catch (err) {
      const code = (err as { code?: string }).code ?? String(err);
      throw new DestinationRefused('unresolvable', `The host "${host}" does not resolve (${code}).`);
    }
    if (addresses.length === 0)
      throw new DestinationRefused('unresolvable', `The host "${host}" has no address.`);
  }
  if (!policy.allowPrivate) {
    for (const { address } of addresses) {
      const kind = classifyAddress(address);
      if (kind === 'public') continue;
      const where = address === host ? `"${host}" is` : `"${host}" resolves to ${address},`;
      throw new DestinationRefused('not_allowed', `${where} ${classNames[kind]}: ${policy.advice}`);
    }
  }
  const first = addresses[0] as LookupAddress;
  return { host, address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** parseHttpUrl, then vetHost for its host. */
export async function vetHttpUrl(text: string, policy: DestinationPolicy, what?: string): Promise<VettedUrl> {
  const url = parseHttpUrl(text, what);
  return { ...(await vetHost(url.hostname, policy)), url };
}

/**
 * A lookup for net/tls/http connections that answers the vetted address: the host name stays
 * where it matters (Host header, TLS name check), only its address is fixed.
 */
export function pinnedLookup(vetted: VettedAddress): LookupFunction {
  return (_host, options, callback) => {
    if (options.all) callback(null, [{ address: vetted.address, family: vetted.family }]);
    else callback(null, vetted.address, vetted.family);
  };
}
