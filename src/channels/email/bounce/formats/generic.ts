// The last resort for notices of MTAs without a reader of their own: when the message is
// plainly a non-delivery notice (its sender and subject say so), each address the text
// names, other than the notice's own sender and receiver, failed for the reason the text
// gives. Kept strict on purpose: a wrong guess suppresses a good address.
import { findAddresses } from '../address.ts';
import { header } from '../mime.ts';
import type { RecipientFailure } from '../types.ts';
import { failureStated, failureSubject } from './notice.ts';
import type { BounceText } from './types.ts';

const daemonSender = /mailer-daemon|postmaster|mail delivery|mail-daemon|mailerdaemon|no-?reply|bounce/i;
/** Sentences that name the failed address themselves, whatever the MTA (KDDI, iMail, …). */
const namingSentence =
  /(?:could not be delivered to|couldn't be delivered to|undeliverable to|failed to deliver to|unable to deliver (?:the )?(?:message |mail )?to|delivery to the following recipients? failed)\s*:?\s*<?([^\s<>"]+@[^\s<>"]+?)>?[.,;]?(?=\s|$)/gi;

export function readNamingSentences(message: BounceText): RecipientFailure[] | undefined {
  const failures: RecipientFailure[] = [];
  for (const m of message.body.matchAll(namingSentence)) {
    const recipient = findAddresses(m[1] ?? '')[0];
    if (!recipient || failures.some((f) => f.recipient === recipient)) continue;
    // The sentence and what follows it, then the rest of the notice: the server's reply may
    // come before the sentence (a transcript above it) as well as after.
    const at = m.index ?? 0;
    const diagnostic = `${message.body.slice(at, at + 600)} ${message.body.slice(0, at)}`.slice(0, 4000);
    failures.push({ recipient, diagnostic });
  }
  return failures.length > 0 ? failures : undefined;
}

/** The paragraph (the lines between empty ones) around line `i`, as one line. */
function paragraphOf(lines: string[], i: number): string {
  let start = i;
  while (start > 0 && lines[start - 1]?.trim()) start--;
  let end = i;
  while (end + 1 < lines.length && lines[end + 1]?.trim()) end++;
  return lines.slice(start, end + 1).join(' ');
}

/** The sentence of a paragraph that holds the address (addresses hold no ". "). */
const sentenceWith = (paragraph: string, address: string) =>
  paragraph.split(/[.!?;](?=\s)/).find((s) => s.toLowerCase().includes(address)) ?? '';

/** The words of a text, addresses aside. */
const wordsIn = (text: string) =>
  text.split(/\s+/).filter((w) => /[a-z]{2}/i.test(w) && !w.includes('@')).length;

/** Whether the line sets the address apart: in angle brackets, quotes or parentheses. */
const marked = (line: string, address: string) =>
  line
    .toLowerCase()
    .match(/[<"'([]\s*([^\s<>"'()[\]]+@[^\s<>"'()[\]]+)/g)
    ?.some((m) => m.includes(address)) ?? false;

export function readGeneric(message: BounceText): RecipientFailure[] | undefined {
  // Exim and Google name the failed addresses in a header of their own.
  const failed = findAddresses(header(message.headers, 'x-failed-recipients'));
  if (failed.length > 0 && daemonSender.test(message.from)) {
    const diagnostic = message.body.trim().slice(0, 4000);
    return [...new Set(failed)].map((recipient) => ({ recipient, diagnostic }));
  }
  if (!daemonSender.test(message.from) || !failureSubject.test(message.subject)) return undefined;
  const own = new Set([...findAddresses(message.from), ...findAddresses(header(message.headers, 'to'))]);
  const lines = message.body.split(/\r?\n/);
  const failures: RecipientFailure[] = [];
  lines.forEach((line, i) => {
    if (/https?:\/\/|^\s*(?:from|to|reply-to|return-path|sender|message-id|received|subject)\s*:/i.test(line))
      return;
    // An address inside a sentence of advice ("… by emailing NAME@yale.edu, try NAME@cs.yale.edu
    // instead") is an example; a failed one is listed, bracketed, quoted, or said to fail.
    const addresses = findAddresses(line);
    if (addresses.length === 0) return;
    const paragraph = paragraphOf(lines, i);
    for (const recipient of addresses) {
      // A sentence of advice, not of failure: long, and saying nothing failed.
      const sentence = sentenceWith(paragraph, recipient);
      const prose = wordsIn(sentence) > 8 && !failureStated.test(sentence);
      if (prose && !marked(line, recipient)) continue;
      if (own.has(recipient) || failures.some((f) => f.recipient === recipient)) continue;
      const near = lines.slice(Math.max(0, i - 2), i + 4).join(' ');
      failures.push({ recipient, diagnostic: `${near} ${message.body}`.slice(0, 4000) });
    }
  });
  return failures.length > 0 ? failures : undefined;
}
