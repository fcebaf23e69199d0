// Reads one message and says what it reports: the recipients that failed (or complained,
// or were delivered) and why. The structured parts (RFC 3464, RFC 5965, SES JSON) are
// trusted first; plain-text readers per MTA family fill in or stand in for them.
import { findAddress, findAddresses } from './address.ts';
import { appleUnsubscribe, parseFeedbackReport } from './arf.ts';
import { isAutoReply } from './auto-reply.ts';
import { dsnFailures, looksLikeDeliveryStatus, parseDeliveryStatus } from './dsn.ts';
import { readSesNotification } from './formats/amazon-ses-json.ts';
import { readAngleBlocks } from './formats/angle-blocks.ts';
import { readAnnounced } from './formats/announced.ts';
import { readDragonFly } from './formats/dragonfly.ts';
import { readExchange } from './formats/exchange.ts';
import { readExim } from './formats/exim.ts';
import { readGeneric, readNamingSentences } from './formats/generic.ts';
import { readGmail } from './formats/gmail.ts';
import { readMailingList } from './formats/mailing-list.ts';
import { readReturnedTo } from './formats/returned-to.ts';
import { readSendmail } from './formats/sendmail.ts';
import { readTranscript } from './formats/transcript.ts';
import type { BounceText, FormatReader } from './formats/types.ts';
import {
  decodeWords,
  type Headers,
  header,
  leaves,
  type MimePart,
  parseHeaders,
  parseMime,
  toBinary,
} from './mime.ts';
import { classifyFailure } from './reasons.ts';
import { rule } from './rules.ts';
import { findReplyCode, findStatus } from './status-codes.ts';
import type { BounceReport, BounceResult, RecipientFailure } from './types.ts';

/** Most specific first: each reader recognises its family by a signature phrase. */
const readers: readonly [string, FormatReader][] = [
  ['gmail', readGmail],
  ['exim', readExim],
  ['dragonfly', readDragonFly],
  ['sendmail', readSendmail],
  ['exchange', readExchange],
  ['angle-blocks', readAngleBlocks],
  ['mailing-list', readMailingList],
  ['naming-sentences', readNamingSentences],
  ['announced-list', readAnnounced],
  ['transcript', readTranscript],
  ['generic', readGeneric],
  ['returned-to', readReturnedTo],
];

/** Lines after which a notice quotes the message that failed. */
const originalMarker = new RegExp(
  [
    String.raw`^[ \t>]*(?:-{2,}|={2,}|\*{2,})?[ \t]*(?:this is a copy of the message|below this line is a copy of the message|(?:the |your )?(?:original|returned|unsent|undelivered|rejected) (?:message|mail|e-?mail)(?:'s headers)?(?: follows| as follows| was| headers?)?[ \t]*:?[ \t]*(?:-{2,}|={2,})?[ \t]*$|original message follows|below is a copy of the original message|the header of the original message is following|message headers follow|header of returned message)`,
    // The same announcement in other words: "---- START OF RETURNED MESSAGE ----", "The first
    // 50 lines of your original message follow:", "Original message as received is as follows:".
    String.raw`^[ \t>|]*(?:-{2,}|={2,}|\*{2,}|\|-+)?[ \t]*(?:start of (?:the )?(?:returned|original|rejected|bounced|undelivered) (?:message|mail)|(?:returned|bounced|undelivered) (?:message|mail|e-?mail) follows|the (?:header|headers) and (?:top|first) \d+ lines of the message follows?|the first \d+ lines of (?:your |the )?(?:original )?message follows?|original message as received is as follows|message text follows|(?:the )?(?:header|headers|copy|text|body)s? of (?:the |your )?(?:source|original|returned|unsent|undelivered|rejected) (?:mail|message)(?: attached| follows?| below)?[ \t:-]*$)`,
  ].join('|'),
  'im',
);

const originalFields = ['message-id', 'x-aviso-message-id', 'return-path', 'to', 'from', 'subject', 'date'];

function pickOriginal(headers: Headers): Record<string, string> {
  const original: Record<string, string> = {};
  for (const name of originalFields) {
    const value = header(headers, name);
    if (value) original[name] = decodeWords(value);
  }
  return original;
}

function findEnclosed(part: MimePart): MimePart | undefined {
  if (part.message) return part.message;
  for (const child of part.parts) {
    const found = findEnclosed(child);
    if (found) return found;
  }
  return undefined;
}

function humanText(root: MimePart): string {
  const texts: string[] = [];
  for (const leaf of leaves(root)) {
    // A multipart leaf is one whose parts could not be found: its body is all there is.
    if (leaf.type === 'text/plain' || leaf.type.startsWith('multipart/')) {
      texts.push(leaf.text);
    } else if (leaf.type === 'text/html' && !leaves(root).some((l) => l.type === 'text/plain')) {
      texts.push(
        leaf.text
          .replace(/<(?:br|\/p|\/div|\/tr|\/h\d)[^>]*>/gi, '\n')
          .replace(/<[^>]+>/g, ' ')
          .replace(/&nbsp;/g, ' ')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&amp;/g, '&'),
      );
    }
  }
  return texts.join('\n\n');
}

/** Splits a plain notice into the report and the quoted original. */
function splitQuoted(text: string): [string, string] {
  const m = originalMarker.exec(text);
  if (!m) return [text, ''];
  return [text.slice(0, m.index), text.slice(m.index + m[0].length)];
}

function inlineHeaders(quoted: string): Headers {
  // Quoted as a reply quotes (">Received: …"): the same headers without the marks.
  const first = /^(>?)[A-Za-z][\w-]*:[ \t]*\S/m.exec(quoted);
  const unquoted = first?.[1] ? quoted.slice(first.index).replace(/^>[ ]?/gm, '') : quoted;
  const start = unquoted.search(/^[A-Za-z][\w-]*:[ \t]*\S/m);
  return start < 0 ? new Map() : parseHeaders(unquoted.slice(start).split(/\r?\n\r?\n/)[0] ?? '');
}

/** The returned message's headers: enclosed, as a headers part, or quoted in the text. */
function originalHeaders(root: MimePart, quoted: string): Headers {
  const enclosed = findEnclosed(root);
  if (enclosed) return enclosed.headers;
  const headersPart = leaves(root).find((l) => /^text\/rfc822-headers?$/.test(l.type));
  if (headersPart) return parseHeaders(headersPart.text);
  return inlineHeaders(quoted);
}

/** The envelope recipient the last hop's Received trace names (RFC 5321 §4.4 `for`). */
function envelopeTo(headers: Headers): string {
  for (const received of headers.get('received') ?? []) {
    const m = /\bfor\s+<?([^\s<>;]+@[^\s<>;]+?)>?\s*;/i.exec(received);
    if (m?.[1]) return m[1];
  }
  return '';
}

/** A DSN without Diagnostic-Code takes the words (and the SMTP command) the text part gives for the same address. */
function completeFromText(failures: RecipientFailure[], fromText: RecipientFailure[]): RecipientFailure[] {
  return failures.map((f) => {
    const same =
      fromText.find((t) => t.recipient === f.recipient || t.recipient === f.finalRecipient) ??
      (fromText.length === 1 ? fromText[0] : undefined);
    if (!same) return f;
    return { ...f, diagnostic: f.diagnostic || same.diagnostic, command: f.command ?? same.command };
  });
}

function readText(message: BounceText): RecipientFailure[] {
  for (const [name, read] of readers) {
    const found = read(message);
    if (found && found.length > 0 && rule(`reader:${name}`)) {
      return found.map((f) => ({ ...f, source: f.source ?? `the ${name} reader` }));
    }
  }
  // A notice forwarded as a quote ("> The following addresses had …"): read without the marks.
  const quotedLines = message.body.match(/^>/gm)?.length ?? 0;
  if (quotedLines >= 5 && rule('quoted-notice')) {
    return readText({ ...message, body: message.body.replace(/^>[ ]?/gm, '') });
  }
  return [];
}

/**
 * A multi-line SMTP reply cut after its first line (`552-5.7.0 This message was blocked
 * because its content presents a potential`: the `-` says more lines follow, RFC 5321 §4.2.1),
 * as DSN fields and summaries often quote it, taken whole from where the notice quotes it in
 * full (its session transcript).
 */
function withWholeReply(failure: RecipientFailure, text: string): RecipientFailure {
  // One line only: `.` stops at a line break and `$` is the end of the text.
  const cut = /^(\d{3})-(.{20,})$/.exec(failure.diagnostic.trim());
  if (!cut) return failure;
  const [, code, words = ''] = cut;
  const lines = text.split(/\r?\n/);
  // Where the reply itself starts a line (a transcript's `<<< 552-…`), not where it is quoted.
  // Its first words only: a re-wrapped transcript may have broken the line sooner.
  const start = `${code}-${words.slice(0, 16)}`;
  const at = lines.findIndex((l) => l.replace(/^\s*(?:<<<\s*)?/, '').startsWith(start));
  if (at < 0) return failure;
  const whole = [(lines[at] ?? '').replace(/^\s*(?:<<<\s*)?/, '')];
  for (const line of lines.slice(at + 1)) {
    const m = new RegExp(`^\\s*(?:<<<\\s*)?${code}([- ])(.*)$`).exec(line);
    if (m) {
      whole.push(`${code}${m[1]}${m[2]}`);
      if (m[1] === ' ') break;
    } else if (line.trim() && !/^\s*(?:>>>|<<<|-{3,}|\d{3}[- ])/.test(line)) {
      // A re-wrapped notice breaks the reply's lines: the rest of the line before.
      whole.push(line.trim());
    } else {
      break;
    }
  }
  const found = whole.join('\n');
  // Only when the transcript holds the reply it cut, and more of it.
  const same = (t: string) => t.replace(/\s+/g, ' ').trim();
  return same(found).startsWith(same(failure.diagnostic)) &&
    same(found).length > same(failure.diagnostic).length
    ? { ...failure, diagnostic: found }
    : failure;
}

/** Mailboxes of mail systems, which notices name as whom to ask, never as who failed. */
const systemMailbox = /^(?:postmaster|mailer-daemon|mail-daemon|hostmaster|abuse|no-?reply|do-?not-?reply)@/i;

/**
 * What a plain notice names besides the failed addresses: the original message's sender (it
 * is the one being told) and mail systems' own mailboxes. Dropped, unless the original message
 * was sent to that very address.
 */
function notNoticeParties(
  failures: RecipientFailure[],
  original: Record<string, string>,
): RecipientFailure[] {
  const sentTo = new Set(findAddresses(original.to ?? ''));
  const sender = new Set(findAddresses(`${original.from ?? ''} ${original['return-path'] ?? ''}`));
  return failures.filter(
    (f) => sentTo.has(f.recipient) || (!sender.has(f.recipient) && !systemMailbox.test(f.recipient)),
  );
}

function complaintResults(recipients: string[], feedbackType: string): BounceResult[] {
  const list = recipients.length > 0 ? recipients : [''];
  return list.map((recipient) => ({
    recipient,
    status: '',
    replyCode: '',
    reason: 'feedback',
    hardBounce: false,
    feedbackType,
    diagnostic: '',
  }));
}

/** RFC 3464 §2.3.3's successes, and "deliverable" (what some MTAs write for a verified address). */
const deliveredActions = new Set(['delivered', 'relayed', 'expanded', 'deliverable']);

/**
 * A recipient the report says was delivered: by its Action, or by a success Status (2.X.X,
 * RFC 3463 §3.1) with no failure Action. A success never suppresses anyone.
 */
function wasDelivered(f: RecipientFailure): boolean {
  if (deliveredActions.has(f.action ?? '')) return true;
  const failedAction = f.action === 'failed' || f.action === 'delayed';
  // The report's own Status only: a reply quoted in the words may be an earlier command's 250.
  return !failedAction && /^2\./.test(f.status ?? '');
}

/** The "From sender date" line that starts each message of an mbox file. */
const mboxSeparator = /^From \S+ +(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} /gm;

/**
 * Reads one message, or each message of an mbox holding several (a mailbox of bounces
 * saved to one file): their results in order, the kind and original of the first.
 */
export async function parseBounce(raw: Buffer | string): Promise<BounceReport> {
  const text = toBinary(raw);
  const starts = [...text.matchAll(mboxSeparator)].map((m) => m.index ?? 0);
  if (starts.length < 2) return parseOne(text);
  const reports = await Promise.all(
    starts.map((start, i) => parseOne(text.slice(start, starts[i + 1] ?? text.length))),
  );
  const first = reports.find((r) => r.results.length > 0) ?? (reports[0] as BounceReport);
  return { ...first, results: reports.flatMap((r) => (r.kind === first.kind ? r.results : [])) };
}

async function parseOne(raw: string): Promise<BounceReport> {
  return parseRoot(parseMime(raw), 0);
}

/** An RFC 3464 delivery-status part (RFC 6533's message/global-delivery-status too). */
const isDeliveryStatus = (part: MimePart) => /^message\/(?:global-)?delivery-status$/.test(part.type);

/** Whether an enclosed message is itself a notice, forwarded (by a person or a filter) in another. */
function isForwardedNotice(part: MimePart): boolean {
  return (
    leaves(part).some(isDeliveryStatus) || /^multipart\/report/i.test(header(part.headers, 'content-type'))
  );
}

async function parseRoot(root: MimePart, depth: number): Promise<BounceReport> {
  const subject = decodeWords(header(root.headers, 'subject'));
  const from = decodeWords(header(root.headers, 'from'));
  const [body, quoted] = splitQuoted(humanText(root));
  const returned = originalHeaders(root, quoted);
  const original = pickOriginal(returned);

  const feedback = leaves(root).find((l) => l.type === 'message/feedback-report');
  const complaint = feedback ? parseFeedbackReport(feedback.text, original) : appleUnsubscribe(root.headers);
  if (complaint) {
    return {
      kind: 'complaint',
      results: complaintResults(complaint.recipients, complaint.feedbackType),
      original,
    };
  }

  const ses = readSesNotification(body);
  if (ses) return sesReport(ses, original);

  const statusParts = leaves(root).filter(isDeliveryStatus);
  let failures = statusParts.flatMap((p) => dsnFailures(parseDeliveryStatus(p.text)));
  const text = humanText(root);
  if (failures.length === 0 && looksLikeDeliveryStatus(text))
    failures = dsnFailures(parseDeliveryStatus(text));
  const fromText = notNoticeParties(
    readText({
      headers: root.headers,
      subject,
      from,
      body,
      originalTo: original.to ?? '',
      originalEnvelopeTo: envelopeTo(returned),
    }),
    original,
  );
  failures = (failures.length > 0 ? completeFromText(failures, fromText) : fromText).map((f) =>
    withWholeReply(f, text),
  );
  if (failures.length === 0 && statusParts.length > 0 && original.to) {
    // A delivery-status report that names no recipient ("Delivery report unavailable") is
    // still a report that the returned message failed: its To is who it was for.
    const recipient = findAddress(original.to);
    if (recipient) failures = [{ recipient, diagnostic: '', action: 'failed' }];
  }
  if (
    /@googlegroups\.com$/.test(failures[0]?.recipient ?? '') &&
    /google/i.test(from) &&
    rule('google-groups-refusal')
  ) {
    // Google Groups refusing a post: the group does not exist or the sender may not post.
    failures = failures.map((f) => (f.status || findStatus(f.diagnostic) ? f : { ...f, reason: 'rejected' }));
  }

  if (failures.length === 0) {
    const enclosed = findEnclosed(root);
    if (enclosed && depth < 3 && isForwardedNotice(enclosed) && rule('forwarded-notice')) {
      return parseRoot(enclosed, depth + 1);
    }
    if (isAutoReply(root.headers, subject)) {
      const recipient = findAddress(from);
      const vacation: BounceResult = {
        recipient,
        status: '',
        replyCode: '',
        reason: 'vacation',
        hardBounce: false,
        feedbackType: null,
        diagnostic: subject.slice(0, 1000),
      };
      return { kind: 'auto-reply', results: [vacation], original };
    }
    return { kind: 'none', results: [], original };
  }
  const results = failures
    .filter((f) => !wasDelivered(f))
    .map((f) =>
      f.action === 'delayed' ? { ...classifyFailure(f), delayed: true as const } : classifyFailure(f),
    )
    // The last guard of the rule above: whatever the words, a 2.X.X verdict is not a bounce.
    .filter((r) => !r.status.startsWith('2'));
  if (results.length === 0) return { kind: 'delivered', results: failures.map(deliveredResult), original };
  return { kind: 'bounce', results, original };
}

function deliveredResult(f: RecipientFailure): BounceResult {
  const status = f.status || findStatus(f.diagnostic) || '2.0.0';
  return {
    recipient: f.recipient.toLowerCase(),
    status,
    replyCode: findReplyCode(f.diagnostic, status),
    reason: 'delivered',
    hardBounce: false,
    feedbackType: null,
    diagnostic: f.diagnostic.trim().slice(0, 1000),
  };
}

function sesReport(failures: RecipientFailure[], original: Record<string, string>): BounceReport {
  const complained = failures.filter((f) => f.reason === 'feedback');
  if (complained.length > 0) {
    return {
      kind: 'complaint',
      results: complaintResults(
        complained.flatMap((f) => findAddresses(f.recipient)),
        complained[0]?.feedbackType ?? 'abuse',
      ),
      original,
    };
  }
  if (failures.every((f) => f.reason === 'delivered')) {
    return { kind: 'delivered', results: failures.map(deliveredResult), original };
  }
  return { kind: 'bounce', results: failures.map(classifyFailure), original };
}
