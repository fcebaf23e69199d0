// Enhanced status codes (RFC 3463) and SMTP reply codes (RFC 5321): finding them in a
// server's words, what a specific code says about the failure, and the code to report when
// a bounce gives none. Pure; knows nothing about message formats.
import { rule } from './rules.ts';
import type { BounceReason } from './types.ts';

/**
 * Codes that name one cause on their own. Generic ones (X.0.0, 5.5.0, 5.7.1, …) are left
 * out on purpose: servers use them for anything, so the words have to decide.
 */
const codeReasons: Record<string, BounceReason> = {
  '5.1.0': 'userunknown',
  '5.1.1': 'userunknown',
  '5.1.2': 'hostunknown',
  '5.1.3': 'userunknown',
  '5.1.4': 'userunknown',
  '5.1.6': 'hasmoved',
  '5.1.7': 'rejected',
  '5.1.8': 'rejected',
  '5.1.9': 'systemerror',
  // RFC 7505: the domain publishes a null MX.
  '5.1.10': 'notaccept',
  // "Mailbox disabled, not accepting messages": in practice per-user refusals.
  '5.2.1': 'filtered',
  '5.2.2': 'mailboxfull',
  '5.2.3': 'exceedlimit',
  '5.2.4': 'systemerror',
  '5.3.0': 'systemerror',
  '5.3.1': 'systemfull',
  '5.3.2': 'notaccept',
  '5.3.3': 'systemerror',
  '5.3.4': 'mesgtoobig',
  '5.3.5': 'systemerror',
  '5.4.0': 'networkerror',
  '5.4.3': 'systemerror',
  '5.4.4': 'hostunknown',
  '5.4.6': 'networkerror',
  '5.4.7': 'expired',
  '5.4.8': 'networkerror',
  '5.5.2': 'syntaxerror',
  '5.5.3': 'toomanyconn',
  '5.5.4': 'syntaxerror',
  '5.6.0': 'contenterror',
  '5.6.1': 'contenterror',
  '5.6.2': 'contenterror',
  '5.6.3': 'contenterror',
  '5.6.4': 'contenterror',
  '5.6.5': 'contenterror',
  '5.7.2': 'policyviolation',
  '5.7.3': 'securityerror',
  '5.7.4': 'securityerror',
  '5.7.5': 'securityerror',
  '5.7.6': 'securityerror',
  '5.7.7': 'securityerror',
  '5.7.8': 'securityerror',
  '5.7.9': 'policyviolation',
  '5.7.10': 'failedstarttls',
  '5.7.11': 'failedstarttls',
  '5.7.13': 'suspend',
  '5.7.14': 'securityerror',
  '5.7.15': 'securityerror',
  '5.7.17': 'suspend',
  '5.7.18': 'suspend',
  '5.7.20': 'authfailure',
  '5.7.21': 'authfailure',
  '5.7.22': 'authfailure',
  '5.7.23': 'authfailure',
  '5.7.24': 'authfailure',
  '5.7.25': 'requireptr',
  '5.7.26': 'authfailure',
  '5.7.27': 'notaccept',
  '5.7.28': 'badreputation',
  '5.7.29': 'authfailure',
  // Microsoft 365 and Exchange Online extensions.
  '5.7.509': 'authfailure',
  '5.7.510': 'securityerror',
  '5.7.606': 'blocked',
  '5.7.607': 'blocked',
  '5.7.608': 'blocked',
  '5.7.650': 'badreputation',
  '5.7.750': 'badreputation',
  // Temporary ones that differ from their 5.X.Y twin.
  '4.2.2': 'mailboxfull',
  '4.4.1': 'expired',
  '4.4.2': 'networkerror',
  '4.4.7': 'expired',
  '4.7.650': 'badreputation',
};

/** What a specific enhanced status code says, if it says one thing. */
export function reasonOfStatus(status: string): BounceReason | undefined {
  if (!status) return undefined;
  const own = codeReasons[status];
  if (own) return rule(`code:${status}`) ? own : undefined;
  const twin = codeReasons[`5${status.slice(1)}`];
  return twin && rule(`code:5${status.slice(1)}`) ? twin : undefined;
}

/**
 * The code reported when the bounce gives none: X.0.9YY, outside the RFC 3463 ranges so
 * nobody mistakes it for a code the server sent (sisimai's convention, which consumers of
 * its data already know).
 */
const pseudoCodes: Record<BounceReason, string> = {
  undefined: '900',
  onhold: '901',
  syntaxerror: '902',
  norelaying: '909',
  filtered: '910',
  userunknown: '911',
  hostunknown: '912',
  hasmoved: '916',
  rejected: '918',
  suspend: '921',
  mailboxfull: '922',
  exceedlimit: '923',
  systemerror: '930',
  systemfull: '931',
  notaccept: '932',
  mesgtoobig: '934',
  mailererror: '939',
  networkerror: '944',
  toomanyconn: '945',
  speeding: '946',
  expired: '947',
  contenterror: '960',
  virusdetected: '961',
  securityerror: '970',
  blocked: '971',
  policyviolation: '972',
  requireptr: '973',
  notcompliantrfc: '974',
  authfailure: '975',
  failedstarttls: '976',
  badreputation: '977',
  spamdetected: '980',
  feedback: '',
  vacation: '',
  delivered: '',
};

export function pseudoStatus(reason: BounceReason, temporary: boolean): string {
  const code = pseudoCodes[reason];
  return code ? `${temporary ? 4 : 5}.0.${code}` : '';
}

/**
 * The enhanced status codes in a text (RFC 3463 §2: class.subject.detail), in order; with
 * `failuresOnly`, those of class 4 or 5 (a transcript quotes successes before the failure).
 */
export function* statusCodesIn(text: string, options: { failuresOnly?: boolean } = {}): Generator<string> {
  // Not the tail of an IP address, and not a product's version: it follows the product's name
  // or a "v" (`ClamAV 4.5.1`, `Sendmail 8.14.4`, `v5.1.2`).
  const pattern = options.failuresOnly
    ? /(?:^|[^\d.])([45]\.\d{1,3}\.\d{1,3})(?![\d.]*\d)/g
    : /(?:^|[^\d.])([245]\.\d{1,3}\.\d{1,3})(?![\d.]*\d)/g;
  for (const m of text.matchAll(pattern)) {
    const code = m[1] ?? '';
    const at = (m.index ?? 0) + m[0].length - code.length;
    if (!isVersion(text.slice(Math.max(0, at - 24), at))) yield code;
  }
}

/** The first enhanced status code in a text (see statusCodesIn). */
export function findStatus(text: string, options: { failuresOnly?: boolean } = {}): string {
  for (const code of statusCodesIn(text, options)) return code;
  return '';
}

/** The text before a dotted number shows it is a version: `v`, `version`, or a product's name. */
function isVersion(before: string): boolean {
  return /(?:\bv|\bversion\s*|\b(?:clamav|sendmail|postfix|exim|spamassassin|amavisd?(?:-new)?|qmail|courier|dovecot|mcafee|sophos|kaspersky|symantec|trend ?micro|avast|avg|bitdefender|f-secure|eset|msmtp|opensmtpd|smtpd|mta|release|build|rev(?:ision)?)[\s/:-]*)$/i.test(
    before,
  );
}

/** The first SMTP reply code that starts a reply (`550 …`, `550-…`, `said: 550`). */
export function findReplyCode(text: string, status = ''): string {
  const first = status.charAt(0);
  for (const m of text.matchAll(/(?:^|[\s:;("[>]|#)([245][0-5]\d)(?=[\s-]|$)/g)) {
    const code = m[1] ?? '';
    // The class of the reply and of the status code agree in a real reply (RFC 3463 §3.1).
    if (first && first !== '2' && code.charAt(0) !== first) continue;
    return code;
  }
  return '';
}
