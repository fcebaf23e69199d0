// RFC 5965 Abuse Reporting Format: a complaint about one message, sent by a mailbox
// provider's feedback loop. Also Apple Mail's one-click unsubscribe notice, which is a
// complaint in all but format. A complaint is never a hard bounce.
import { findAddresses } from './address.ts';
import { type Headers, header } from './mime.ts';

export interface Complaint {
  feedbackType: string;
  recipients: string[];
}

/** Reads the message/feedback-report fields (RFC 5965 §3.1, §3.2). */
export function parseFeedbackReport(text: string, original: Record<string, string>): Complaint {
  const fields = text.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/);
  const values = (name: string) =>
    fields
      .map((line) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'i').exec(line)?.[1]?.trim())
      .filter((v): v is string => Boolean(v));
  const feedbackType = (values('Feedback-Type')[0] ?? 'other').toLowerCase();
  // Original-Rcpt-To is the envelope recipient (§3.2); Removal-Recipient is the one who
  // opted out (RFC 6650 §3); the original To: is the last resort, and may hide the address.
  const recipients = [
    ...values('Original-Rcpt-To').flatMap(findAddresses),
    ...values('Removal-Recipient').flatMap(findAddresses),
  ];
  return { feedbackType, recipients: recipients.length > 0 ? recipients : findAddresses(original.to ?? '') };
}

/** Apple Mail's "unsubscribe" sends a plain message flagged with X-Apple-Unsubscribe. */
export function appleUnsubscribe(headers: Headers): Complaint | undefined {
  if (header(headers, 'x-apple-unsubscribe').toLowerCase() !== 'true') return undefined;
  return { feedbackType: 'opt-out', recipients: findAddresses(header(headers, 'from')).slice(0, 1) };
}
