// What a reader of one family of plain-text bounce formats gets and gives.
import type { Headers } from '../mime.ts';
import type { RecipientFailure } from '../types.ts';

export interface BounceText {
  headers: Headers;
  subject: string;
  from: string;
  /** The human-readable report without the enclosed original message. */
  body: string;
  /** To: of the enclosed original, for notices that name no recipient (old Sendmail). */
  originalTo: string;
  /** Whom the returned message was for by its own Received trace (`for <user@example.com>`). */
  originalEnvelopeTo: string;
}

/** Reads the recipients of one family of formats, or undefined when it is not that family. */
export type FormatReader = (message: BounceText) => RecipientFailure[] | undefined;

/** The SMTP command a reply answered, from the phrasings MTAs use to say so. */
export function commandOf(text: string): string | undefined {
  // An SMTP transcript (">>> RCPT To:<…>", "<<< 550 …"): the last command sent.
  const sent = [...text.matchAll(/^\s*>>>\s*([A-Za-z]+|\.)/gm)].at(-1)?.[1]?.toUpperCase();
  if (sent) return sent === '.' ? 'DATA' : sent;
  const m =
    /(?:after|in reply to|response to|while talking to)\s+(?:the\s+)?(RCPT|MAIL|DATA|HELO|EHLO|end of data|initial connection|CONNECT)/i.exec(
      text,
    );
  if (!m?.[1]) {
    // RFC 5321 §4.2.3's wording of the 550 answer to RCPT TO names the mailbox.
    if (
      /does not like recipient|\[RCPT_TO\]|\bRCPT TO\b|recipient address rejected|requested action not taken:\s+mailbox\s+(?:unavailable|not available)/i.test(
        text,
      )
    )
      return 'RCPT';
    if (/\[MAIL_FROM\]|\bMAIL FROM\b|sender address rejected/i.test(text)) return 'MAIL';
    return undefined;
  }
  const word = m[1].toUpperCase();
  return word === 'END OF DATA' ? 'DATA' : word === 'INITIAL CONNECTION' ? 'CONNECT' : word;
}

/**
 * A case-blind pattern for a phrase whose words may be wrapped onto the next line (notices are
 * re-wrapped by the MTAs and gateways they pass through): each space matches any white space.
 */
export function wrappedPhrases(...phrases: string[]): RegExp {
  return new RegExp(phrases.map((p) => p.replace(/ /g, String.raw`\s+`)).join('|'), 'i');
}
