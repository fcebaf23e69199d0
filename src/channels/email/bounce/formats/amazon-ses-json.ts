// Amazon SES notifications delivered by email through SNS: a JSON document (bare, or
// wrapped in an SNS envelope whose Message is the JSON as a string) for Bounce, Complaint
// and Delivery events.

import { parseUntrustedJson } from '../../../../records/index.ts';
import type { BounceReason, RecipientFailure } from '../types.ts';

interface SesRecipient {
  emailAddress?: string;
  action?: string;
  status?: string;
  diagnosticCode?: string;
}

/** bounceSubType values that name a cause (SES notification contents, "Bounce types"). */
const subTypeReasons: Record<string, BounceReason> = {
  NoEmail: 'userunknown',
  MailboxFull: 'mailboxfull',
  MessageTooLarge: 'mesgtoobig',
  ContentRejected: 'contenterror',
  AttachmentRejected: 'contenterror',
};

interface SesNotification {
  notificationType?: string;
  eventType?: string;
  bounce?: { bounceType?: string; bounceSubType?: string; bouncedRecipients?: SesRecipient[] };
  complaint?: { complaintFeedbackType?: string; complainedRecipients?: SesRecipient[] };
  delivery?: { recipients?: string[]; smtpResponse?: string };
  Message?: string;
}

/**
 * SNS mails a notification as one long line, broken where it passes a width: each break is
 * a `!` at the end of a line and a space at the start of the next (`…"emailAd!\n dress"…`).
 */
const unfold = (text: string) => text.replace(/!\r?\n /g, '');

function parseJson(folded: string): SesNotification | undefined {
  const text = unfold(folded);
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end <= start) return undefined;
  try {
    const value = parseUntrustedJson(
      text.slice(start, end + 1).replace(/\r?\n(?=[^{}"]*")/g, ''),
    ) as SesNotification;
    return typeof value.Message === 'string' ? parseJson(value.Message) : value;
  } catch {
    return undefined;
  }
}

export function readSesNotification(text: string): RecipientFailure[] | undefined {
  if (!/"(?:notificationType|eventType)"\s*:/.test(unfold(text))) return undefined;
  const n = parseJson(text);
  const type = n?.notificationType ?? n?.eventType;
  if (!n || !type) return undefined;
  if (type === 'Bounce') {
    const temporary = n.bounce?.bounceType === 'Transient';
    // SES's own reading, where its documentation makes it one (bounce types and subtypes).
    const reason = subTypeReasons[n.bounce?.bounceSubType ?? ''];
    return (n.bounce?.bouncedRecipients ?? []).map((r) => {
      const diagnostic = (r.diagnosticCode ?? '').replace(/^smtp;\s*/i, '');
      return {
        recipient: r.emailAddress ?? '',
        diagnostic,
        status: r.status ?? '',
        action: r.action ?? '',
        temporary,
        // The subtype stands in for the words only when the server gave none.
        ...(reason && !diagnostic.trim() ? { reason } : {}),
      };
    });
  }
  if (type === 'Complaint') {
    const feedbackType = n.complaint?.complaintFeedbackType || 'abuse';
    return (n.complaint?.complainedRecipients ?? []).map((r) => ({
      recipient: r.emailAddress ?? '',
      diagnostic: '',
      reason: 'feedback',
      feedbackType,
    }));
  }
  if (type === 'Delivery') {
    const response = n.delivery?.smtpResponse ?? '';
    return (n.delivery?.recipients ?? []).map((recipient) => ({
      recipient,
      diagnostic: response,
      action: 'delivered',
      reason: 'delivered',
    }));
  }
  return undefined;
}
