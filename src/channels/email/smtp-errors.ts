// Classifies an SMTP failure as temporary or final (RFC 5321 §4.2.1: 4yz transient, 5yz
// permanent) and, when final, as a bounce (the recipient was refused) or another failure.
// Pure: it reads the error nodemailer gives and returns the verdict; a refused recipient is
// read as a bounce.
import { foreignSnippet, snippetChars } from '../../net/index.ts';
import { PermanentError, TransientError } from '../index.ts';
import { type BounceResult, classifyFailure } from './bounce/index.ts';

export interface SmtpFailure {
  code?: string;
  command?: string;
  responseCode?: number;
  response?: string;
  message?: string;
}

/** RFC 3463 enhanced status code (`5.1.1`) found in a reply, if any. */
export function enhancedStatus(response: string | undefined): string | undefined {
  return response ? /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(response)?.[1] : undefined;
}

export function classifySmtpFailure(err: SmtpFailure): TransientError | PermanentError {
  // The relay's reply is foreign text, stored with the message's events.
  const response =
    foreignSnippet(err.response ?? err.message ?? '', snippetChars.smtp) || 'unknown SMTP error';
  const status = enhancedStatus(err.response);
  const details = { response, responseCode: err.responseCode, enhancedStatus: status };
  const code = err.responseCode;

  // Authentication refused: our configuration is wrong, not the message. Retrying lets the
  // operator fix the credentials without losing the queue.
  if (err.code === 'EAUTH' || err.command?.startsWith('AUTH')) {
    return new TransientError(`SMTP authentication failed: ${response}`, details);
  }
  if (code === undefined || code < 500) {
    // 4yz replies, timeouts, refused or dropped connections, DNS and TLS trouble. (nodemailer
    // calls a refusal at DATA "EMESSAGE" whatever its code: only the code decides.)
    return new TransientError(response, details);
  }
  // 5yz. X.1.Y is about the address, X.2.Y about the mailbox (RFC 3463 §3.2, §3.3); a
  // refusal at RCPT TO is about the recipient whatever the code says.
  const aboutRecipient =
    err.command === 'RCPT TO' ||
    (status !== undefined && (status.startsWith('5.1.') || status.startsWith('5.2.')));
  return new PermanentError(response, aboutRecipient ? 'bounce' : 'failure', details);
}

/**
 * A recipient refused at send time (a 5XX to RCPT TO), read like a line of a bounce report:
 * same reasons, same hard/soft rules as the bounces that come back later.
 */
export function refusalAsBounce(recipient: string, error: PermanentError): BounceResult {
  return classifyFailure({
    recipient,
    diagnostic: error.details.response ?? error.message,
    ...(error.details.enhancedStatus ? { status: error.details.enhancedStatus } : {}),
    ...(error.details.responseCode ? { replyCode: String(error.details.responseCode) } : {}),
    command: 'RCPT',
  });
}
