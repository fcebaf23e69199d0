// Amazon SES notifications delivered by email through SNS: a JSON document (bare, or
// wrapped in an SNS envelope whose Message is the JSON as a string) for Bounce, Complaint
// and Delivery events.

import { parseUntrustedJson } from '../../../../records/index.ts';
import type { RecipientFailure } from '../types.ts';

interface SesRecipient {
  emailAddress?: string;
  action?: string;
  status?: string;
  diagnosticCode?: string;
}

interface SesNotification {
  notificationType?: string;
  eventType?: string;
  bounce?: { bounceType?: string; bouncedRecipients?: SesRecipient[] };
  complaint?: { complaintFeedbackType?: string; complainedRecipients?: SesRecipient[] };
  delivery?: { recipients?: string[]; smtpResponse?: string };
  Message?: string;
}

function parseJson(text: string): SesNotification | undefined {
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
  if (!/"(?:notificationType|eventType)"\s*:/.test(text)) return undefined;
  const n = parseJson(text);
  const type = n?.notificationType ?? n?.eventType;
  if (!n || !type) return undefined;
  if (type === 'Bounce') {
    const temporary = n.bounce?.bounceType === 'Transient';
    return (n.bounce?.bouncedRecipients ?? []).map((r) => ({
      recipient: r.emailAddress ?? '',
      diagnostic: (r.diagnosticCode ?? '').replace(/^smtp;\s*/i, ''),
      status: r.status ?? '',
      action: r.action ?? '',
      temporary,
    }));
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
