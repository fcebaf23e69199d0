// Tells opens and clicks by people from those by machines, so engagement counts mean
// something: Apple Mail Privacy Protection fetches every image when a message arrives, and
// security gateways follow every link before the recipient sees it. Heuristics only; a
// machine hit is still recorded (as such), never dropped. Google's and Yahoo's image proxies
// fetch when the person opens the message, so their opens count as human, with the proxy noted.
//
// Pure: the caller gives what it knows about the request and the message.

type MachineKind = 'privacy-proxy' | 'link-scanner';

export interface Classification {
  machine: MachineKind | null;
  /** Why it was judged a machine, e.g. "head-request" or "user-agent:barracuda". */
  signal: string | null;
  /** The image proxy that fetched an open: "apple", "gmail", "yahoo". */
  proxy?: string;
}

export interface TrackingHit {
  kind: 'open' | 'click';
  method: string;
  userAgent: string | null;
  ip: string | null;
  at: Date;
  /** When the message was handed to its provider (its latest `sent` event); null: not yet. */
  sentAt: Date | null;
  /** For clicks: the link, and the message's other clicks of the last seconds. */
  linkIndex?: number;
  recentClicks?: readonly { linkIndex: number; at: Date }[];
}

/** Security gateways and link scanners follow links within this time after sending. */
const scannerWindowMs = 2_000;
/** Different links of one message clicked this close together: a scanner walking the message. */
export const burstWindowMs = 1_000;

// Apple's MPP proxies send a bare "Mozilla/5.0" from Apple's 17.0.0.0/8.
const bareMozilla = /^mozilla\/5\.0$/i;

const imageProxies: readonly [RegExp, string][] = [
  [/GoogleImageProxy|ggpht\.com/i, 'gmail'],
  [/YahooMailProxy/i, 'yahoo'],
];

// Order matters only for the signal reported: the most specific names first.
const scannerAgents: readonly [RegExp, string][] = [
  [/microsoft office|ms-office|safelinks/i, 'microsoft-safe-links'],
  [/bingpreview/i, 'bingpreview'],
  [/barracuda/i, 'barracuda'],
  [/mimecast/i, 'mimecast'],
  [/proofpoint/i, 'proofpoint'],
  [/symantec|messagelabs/i, 'symantec'],
  [/python-requests|python-urllib|aiohttp|httpx/i, 'python'],
  [/\bcurl\//i, 'curl'],
  [/go-http-client/i, 'go-http-client'],
  [/\bjava\//i, 'java'],
  [/okhttp/i, 'okhttp'],
  [/\bwget\b/i, 'wget'],
  [/headlesschrome|phantomjs/i, 'headless-browser'],
  [/facebookexternalhit|whatsapp\/|skypeuripreview/i, 'link-preview'],
  [/(?<!cu)bot\b|crawler|spider|preview/i, 'bot'],
];

/** True for an IPv4 address (plain or IPv4-mapped IPv6) in Apple's 17.0.0.0/8. */
export function isAppleAddress(ip: string | null): boolean {
  if (!ip) return false;
  const v4 = ip.toLowerCase().replace(/^::ffff:/, '');
  return /^17\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

function scanner(userAgent: string): string | null {
  for (const [pattern, name] of scannerAgents) if (pattern.test(userAgent)) return name;
  return null;
}

export function classifyHit(hit: TrackingHit): Classification {
  const userAgent = hit.userAgent?.trim() ?? '';
  if (hit.method.toUpperCase() === 'HEAD') return { machine: 'link-scanner', signal: 'head-request' };
  if (hit.kind === 'open') {
    if (isAppleAddress(hit.ip)) return { machine: 'privacy-proxy', signal: 'apple-address', proxy: 'apple' };
    if (bareMozilla.test(userAgent))
      return { machine: 'privacy-proxy', signal: 'bare-mozilla-user-agent', proxy: 'apple' };
    for (const [pattern, proxy] of imageProxies)
      if (pattern.test(userAgent)) return { machine: null, signal: null, proxy };
  }
  if (userAgent === '') return { machine: 'link-scanner', signal: 'no-user-agent' };
  const agent = scanner(userAgent);
  if (agent) return { machine: 'link-scanner', signal: `user-agent:${agent}` };
  if (hit.kind === 'click') {
    // No `sent` event yet: the provider has it but the worker has not written the outcome,
    // so this is as early as a click can be. A clock a little behind counts as early too.
    const since = hit.sentAt ? hit.at.getTime() - hit.sentAt.getTime() : 0;
    if (since < scannerWindowMs) return { machine: 'link-scanner', signal: 'right-after-sending' };
    const burst = hit.recentClicks?.some(
      (c) => c.linkIndex !== hit.linkIndex && Math.abs(hit.at.getTime() - c.at.getTime()) < burstWindowMs,
    );
    if (burst) return { machine: 'link-scanner', signal: 'several-links-at-once' };
  }
  return { machine: null, signal: null };
}
