// The last resort for notices of MTAs without a reader of their own: when the message is
// plainly a non-delivery notice (its sender and subject say so), each address the text
// names, other than the notice's own sender and receiver, failed for the reason the text
// gives. Kept strict on purpose: a wrong guess suppresses a good address.
import { findAddresses } from '../address.ts';
import { header } from '../mime.ts';
import type { RecipientFailure } from '../types.ts';
import type { BounceText } from './types.ts';

const daemonSender = /mailer-daemon|postmaster|mail delivery|mail-daemon|mailerdaemon|no-?reply|bounce/i;
const failureSubject =
  /undeliver|undelivered|returned mail|returning message|delivery (?:status notification|failure|failed|notification|report|problem)|failure notice|mail delivery failed|non[- ]?delivery|could not be delivered|not delivered|delivery has failed|mail system error|mail failure|message not delivered|delivery error|rejected|nondeliverable|error (?:sending|delivering)|(?:could|can)(?:not|n't) (?:be )?(?:sent|delivered)|unzustellbar|non remis|エラー|不達|配信/i;

/** Sentences that name the failed address themselves, whatever the MTA (KDDI, iMail, …). */
const namingSentence =
  /(?:could not be delivered to|couldn't be delivered to|undeliverable to|failed to deliver to|unable to deliver (?:the )?(?:message |mail )?to|delivery to the following recipients? failed)\s*:?\s*<?([^\s<>"]+@[^\s<>"]+?)>?[.,;]?(?=\s|$)/gi;

export function readNamingSentences(message: BounceText): RecipientFailure[] | undefined {
  const failures: RecipientFailure[] = [];
  for (const m of message.body.matchAll(namingSentence)) {
    const recipient = findAddresses(m[1] ?? '')[0];
    if (!recipient || failures.some((f) => f.recipient === recipient)) continue;
    failures.push({ recipient, diagnostic: message.body.slice(m.index ?? 0, (m.index ?? 0) + 600) });
  }
  return failures.length > 0 ? failures : undefined;
}

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
    for (const recipient of findAddresses(line)) {
      if (own.has(recipient) || failures.some((f) => f.recipient === recipient)) continue;
      const near = lines.slice(Math.max(0, i - 2), i + 4).join(' ');
      failures.push({ recipient, diagnostic: `${near} ${message.body}`.slice(0, 4000) });
    }
  });
  return failures.length > 0 ? failures : undefined;
}
