// Turns what a report says about one recipient into a verdict: reason, status code and
// whether the address must be suppressed. Pure. The order of the checks is the design: a
// reason that the words or a specific status code show wins over the vaguer ones after it.

import { commandOf } from './formats/types.ts';
import { matchedPhrase, matchesReason, normalize } from './phrases.ts';
import { explaining, rule } from './rules.ts';
import { findReplyCode, findStatus, pseudoStatus, reasonOfStatus, statusCodesIn } from './status-codes.ts';
import type { BounceReason, BounceResult, RecipientFailure } from './types.ts';

/**
 * Checked in this order, each by its phrases or by a status code that names it. Causes at the
 * recipient (a full or unknown mailbox) come before causes at the sender (a blocked IP), so
 * a reply such as "550 5.2.2 mailbox full (blocked)" counts as what the recipient can fix.
 */
const firstPass: readonly BounceReason[] = [
  'mailboxfull',
  'mesgtoobig',
  'exceedlimit',
  'suspend',
  'hasmoved',
  'norelaying',
  'authfailure',
  'notaccept',
  'userunknown',
  'filtered',
  'requireptr',
  'notcompliantrfc',
  'badreputation',
  'contenterror',
  'rejected',
  'hostunknown',
  'spamdetected',
  'virusdetected',
  'speeding',
  'toomanyconn',
  'blocked',
];

/** Vaguer words, only once nothing above fits. */
const secondPass: readonly BounceReason[] = [
  'policyviolation',
  'failedstarttls',
  'systemfull',
  'systemerror',
  'networkerror',
  'expired',
  'securityerror',
  'mailererror',
  'syntaxerror',
];

/** The class of a status code (RFC 3463 §3: X.SUBJECT.*) when its detail names nothing. */
function reasonOfSubject(status: string): BounceReason | undefined {
  const subject = status.split('.')[1];
  switch (subject) {
    case '1':
      return 'userunknown';
    case '2':
      return 'mailboxfull';
    case '3':
      return 'systemerror';
    case '4':
      return 'networkerror';
    case '6':
      return 'contenterror';
    case '7':
      return 'securityerror';
    default:
      return undefined;
  }
}

/** Codes servers also use loosely (5.6.0 for spam, 5.3.0 for anything): the words decide first. */
const looseCodes = new Set(['5.1.0', '5.1.3', '5.3.0', '5.6.0']);

/** Words that, next to a 5.1.1, show the refusal was not about the mailbox existing. */
const notAboutTheMailbox: readonly BounceReason[] = [
  'norelaying',
  'blocked',
  'mailboxfull',
  'hasmoved',
  'rejected',
  'notaccept',
  'filtered',
  // A rate limit or a suspended account is no verdict that the mailbox does not exist.
  'speeding',
  'toomanyconn',
  'suspend',
];

/** Words of a refusal, whatever is refused. */
const refusal = /\b(?:rejected|denied|refused|not allowed|reject|deny)\b/;

/** A reply that only refuses the recipient: no word but the refusal, the address and codes. */
function bareRecipientRefusal(text: string): boolean {
  const rest = text
    .replace(/<[^<>]*>|\S+@\S+/g, ' ')
    .replace(/\b[245]\d\d\b|\b[245]\.\d{1,3}\.\d{1,3}\b/g, ' ')
    .replace(/[^a-z ]+/g, ' ')
    .replace(/\b(?:smtp|error|requested action not taken|in reply to rcpt to command|rcpt to)\b/g, ' ')
    .trim()
    .replace(/\s+/g, ' ');
  return /^(?:(?:the )?recipient(?: address)?|address|mailbox)? ?(?:rejected|refused|denied|unavailable|not available)$/.test(
    rest,
  );
}

/** Replies that can only mean the account does not exist, whenever they are sent. */
const noSuchAccount = /this user doesn't have an? \S+ account/;

/**
 * "User unknown" is only a fact about the mailbox when the status code says so (X.1.1) or
 * the server said it in reply to RCPT TO. Said after DATA (or when we cannot tell), it is
 * how content filters and per-user rules refuse a message: filtered, not userunknown.
 * Answers why it is, or undefined.
 */
function userUnknownBecause(
  failure: RecipientFailure,
  text: string,
  named: BounceReason | undefined,
): string | undefined {
  if (named === 'userunknown') {
    return notAboutTheMailbox.some((r) => matchesReason(r, text))
      ? undefined
      : `the status code ${failure.status || findStatus(failure.diagnostic)} names an unknown user`;
  }
  if (named === 'suspend') return undefined;
  const phrase = matchedPhrase('userunknown', text);
  if (!phrase) return undefined;
  if (noSuchAccount.test(text) && rule('no-such-account')) return `"${phrase}", and no account can exist`;
  // No SMTP reply quoted: the reporting MTA's own verdict on the address (Exchange, Notes…).
  const classOnly = !failure.status || /^[45]\.0\.0$/.test(failure.status);
  const ownVerdict = !failure.command && classOnly && !findReplyCode(failure.diagnostic);
  if (failure.command === 'RCPT') return `"${phrase}" in reply to RCPT TO`;
  if (ownVerdict && rule('own-verdict-on-address')) {
    return `"${phrase}", the reporting server's own verdict (no SMTP reply quoted)`;
  }
  return undefined;
}

function filteredBecause(
  failure: RecipientFailure,
  text: string,
  named: BounceReason | undefined,
): string | undefined {
  const phrase = matchedPhrase('filtered', text) ?? matchedPhrase('userunknown', text);
  if (!phrase) return undefined;
  if (named === 'filtered') return `the status code names a per-user refusal, and "${phrase}"`;
  if (failure.command === 'RCPT' || failure.command === 'MAIL') return undefined;
  return `"${phrase}" not in reply to RCPT TO (${failure.command ? `after ${failure.command}` : 'command unknown'})`;
}

export function classifyReason(failure: RecipientFailure, status: string): BounceReason {
  return decide(failure, status)[0];
}

type Decision = [BounceReason, string];

function decide(failure: RecipientFailure, status: string): Decision {
  const [reason, why] = decideReason(failure, status);
  // A DNS failure reported as temporary is the network's, not a domain that does not exist.
  return reason === 'hostunknown' && status.startsWith('4')
    ? ['networkerror', `${why}, but temporary (a DNS lookup that may work later)`]
    : [reason, why];
}

function decideReason(failure: RecipientFailure, status: string): Decision {
  const text = normalize(failure.diagnostic);
  if (failure.localDelivery) {
    return matchesReason('mailboxfull', text)
      ? ['mailboxfull', 'a local delivery program said the mailbox is full']
      : ['mailererror', 'a local delivery program failed (X-Unix)'];
  }
  if (failure.reason) return [failure.reason, `stated by ${failure.source ?? 'the format'}`];
  const replyCode = findReplyCode(failure.diagnostic);
  // A permanent refusal, by the status code or else the reply code (RFC 3463 §3.1, RFC 5321 §4.2.1).
  const permanent = /^5/.test(status || replyCode);
  // RFC 5321 §3.4: 551 "User not local; please try <forward-path>": the mailbox moved.
  const moved = replyCode === '551' ? 'hasmoved' : undefined;
  const named = reasonOfStatus(status) ?? moved;
  const strong = looseCodes.has(`5${status.slice(1)}`) ? moved : named;
  for (const reason of firstPass) {
    if (reason === 'userunknown') {
      const why = userUnknownBecause(failure, text, strong);
      if (why) return [reason, why];
    } else if (reason === 'filtered') {
      const why = filteredBecause(failure, text, strong);
      if (why) return [reason, why];
    } else {
      if (strong === reason) return [reason, `the status code ${status} names it`];
      const phrase = matchedPhrase(reason, text);
      if (phrase) return [reason, `the words "${phrase}"`];
    }
  }
  for (const reason of secondPass) {
    const phrase = matchedPhrase(reason, text);
    if (phrase) return [reason, `the words "${phrase}" (vaguer words, checked after the specific ones)`];
  }
  // RFC 5321 §3.1–3.3: before MAIL FROM only the client is known, so a refusal then is of the
  // client (its IP or name); at MAIL FROM, of the sender address.
  if (/^(?:CONNECT|HELO|EHLO)$/.test(failure.command ?? '') && !status.startsWith('2')) {
    return ['blocked', `refused at ${failure.command}, before any sender or recipient was named`];
  }
  if (failure.command === 'MAIL' && refusal.test(text)) {
    return ['rejected', 'the sender address was refused at MAIL FROM'];
  }
  // A bare refusal of the recipient in reply to RCPT TO ("550 <x>: Recipient address
  // rejected.", "550 mailbox unavailable"): RFC 5321 §3.3 judges the recipient there, and
  // nothing names another cause.
  if (failure.command === 'RCPT' && permanent && bareRecipientRefusal(text)) {
    return ['userunknown', 'a bare refusal of the recipient in reply to RCPT TO (RFC 5321 §3.3)'];
  }
  if (named) return [named, `the status code ${status}, used loosely by servers, and no words said more`];
  if (failure.action === 'delayed' || failure.temporary)
    return ['expired', 'a delay notice with no cause given'];
  const bySubject = reasonOfSubject(status);
  if (bySubject && !/^[45]\.0\.0$/.test(status)) {
    return [bySubject, `the subject of the status code ${status} (RFC 3463 §3)`];
  }
  // RFC 5321 §4.2.2: 500-504 are about the command itself.
  if (/^50[0-4]$/.test(replyCode)) {
    return ['syntaxerror', 'a 500-504 reply: the command itself was refused (RFC 5321 §4.2.2)'];
  }
  // "550 rejected", "554 denied": a permanent refusal that names no cause is still one,
  // unless the server says it is holding the message undecided.
  if (/\bon hold\b/.test(text)) return ['onhold', 'the server says "on hold"'];
  if (permanent && refusal.test(text)) {
    return ['rejected', 'a permanent refusal that names no cause (the best reading of a bare 5XX)'];
  }
  return text.trim() || status
    ? ['onhold', 'nothing in the code or the words names a cause']
    : ['undefined', 'the report gives neither a code nor words'];
}

/** RFC 3463 §3.1 with RFC 5321 §4.2.1: a 4 says "try again later". */
function isTemporary(failure: RecipientFailure, status: string, replyCode: string): boolean {
  if (status) return status.startsWith('4');
  if (replyCode) return replyCode.startsWith('4');
  return failure.action === 'delayed' || failure.temporary === true;
}

export function isHardBounce(reason: BounceReason, status: string): boolean {
  if (reason === 'userunknown' || reason === 'hostunknown' || reason === 'hasmoved') return true;
  // A null MX (RFC 7505) is final; a host refusing mail for now is not.
  return reason === 'notaccept' && status.startsWith('5');
}

/**
 * The failure code of the server's words. "Expired" (X.4.7) is how a sending MTA sums up its
 * retries, and it often quotes the last real reply after it (`4.4.7 Message expired … <421
 * 4.4.2 Connection timed out>`): that later, more specific code says what went wrong. So does
 * one after a code that only gives the class or the subject (X.0.0, X.1.0: `5.1.0 - Unknown
 * address error 550-'5.2.2 … Mailbox Full'`, a relay summing up the remote server's reply).
 */
function specificStatus(diagnostic: string): string {
  const vague = /^[45]\.(?:4\.7|0\.0|1\.0)$/;
  const [first = '', ...later] = statusCodesIn(diagnostic, { failuresOnly: true });
  if (!vague.test(first)) return first;
  return later.find((code) => !vague.test(code)) ?? first;
}

/** The status code: the report's own, unless the server's reply has a more specific one. */
function chooseStatus(failure: RecipientFailure): [string, string] {
  const given = failure.status ?? '';
  // A success in the words is an earlier command's reply (`250 2.1.0 sender ok`), not this one.
  const inReply = specificStatus(failure.diagnostic);
  if (!given) return [inReply, inReply ? "the code in the server's reply" : ''];
  // The remote server's own code is more precise than the one the reporting MTA chose for
  // its report, unless the server's is only a class (5.0.0).
  if (inReply && !/^[45]\.0\.0$/.test(inReply)) {
    return [inReply, `the code in the server's reply, more specific than the report's ${given}`];
  }
  return [given, `the report's Status (${failure.source ?? 'the report'})`];
}

export function classifyFailure(reported: RecipientFailure): BounceResult {
  const failure = { ...reported, command: reported.command ?? commandOf(reported.diagnostic) };
  let [status, statusWhy] = chooseStatus(failure);
  const replyCode = failure.replyCode || findReplyCode(failure.diagnostic, status);
  const [reason, reasonWhy] = decide(failure, status);
  if (!status) {
    const temporary = isTemporary(failure, status, replyCode);
    status = pseudoStatus(reason, temporary);
    statusWhy = `none given: the pseudo code for ${reason}, ${temporary ? 'temporary' : 'permanent'}`;
  }
  const hardBounce = isHardBounce(reason, status);
  const result: BounceResult = {
    recipient: failure.recipient.toLowerCase(),
    status,
    replyCode,
    reason,
    hardBounce,
    feedbackType: null,
    diagnostic: failure.diagnostic.replace(/\s+/g, ' ').trim().slice(0, 1000),
  };
  if (!explaining()) return result;
  return {
    ...result,
    explain: {
      recipient: `from ${failure.source ?? 'the report'}`,
      status: statusWhy,
      reason: reasonWhy,
      hardBounce: hardBounce
        ? `${reason} at ${status} means the address cannot receive mail`
        : `${reason} is not a final verdict on the address`,
    },
  };
}
