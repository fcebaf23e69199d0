// RFC 3464 delivery status notifications: the message/delivery-status body, a block of
// per-message fields followed by one block per recipient (§2.2, §2.3). Real reports often
// drop the empty lines between blocks, so a new Final-Recipient starts a new recipient.
import { findAddress } from './address.ts';
import type { RecipientFailure } from './types.ts';

type DsnFields = Map<string, string>;

export interface DeliveryStatus {
  message: DsnFields;
  recipients: DsnFields[];
}

const recipientFields = new Set([
  'original-recipient',
  'final-recipient',
  'action',
  'status',
  'remote-mta',
  'diagnostic-code',
  'last-attempt-date',
  'final-log-id',
  'will-retry-until',
  'x-actual-recipient',
]);

/** Field lines with continuations unfolded (RFC 3464 §2.1 uses RFC 822 folding). */
function fieldLines(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (/^[ \t]+\S/.test(line) && lines.length > 0 && lines[lines.length - 1] !== '') {
      lines[lines.length - 1] += ` ${line.trim()}`;
    } else {
      lines.push(line.trimEnd());
    }
  }
  return lines;
}

export function parseDeliveryStatus(text: string): DeliveryStatus {
  const message: DsnFields = new Map();
  const recipients: DsnFields[] = [];
  let current: DsnFields | undefined;
  for (const line of fieldLines(text)) {
    if (line.trim() === '') {
      current = undefined;
      continue;
    }
    const m = /^([A-Za-z][\w-]*)\s*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const name = (m[1] ?? '').toLowerCase();
    const value = (m[2] ?? '').trim();
    if (!recipientFields.has(name)) {
      if (recipients.length === 0) message.set(name, value);
      continue;
    }
    // A second Final- or Original-Recipient in one block is the next recipient.
    const repeated = (name === 'final-recipient' || name === 'original-recipient') && current?.has(name);
    if (!current || repeated) {
      current = new Map();
      recipients.push(current);
    }
    if (!current.has(name)) current.set(name, value);
  }
  return {
    message,
    recipients: recipients.filter((r) => r.has('final-recipient') || r.has('original-recipient')),
  };
}

/** The value after the type (`rfc822; user@example.com`, `smtp; 550 …`), RFC 3464 §2.3.2. */
export function typedValue(value: string | undefined): string {
  if (!value) return '';
  const m = /^[\w-]+\s*;\s*([\s\S]*)$/.exec(value);
  return (m ? (m[1] ?? '') : value).trim();
}

export function dsnFailures(status: DeliveryStatus): RecipientFailure[] {
  const failures: RecipientFailure[] = [];
  for (const fields of status.recipients) {
    const final =
      findAddress(typedValue(fields.get('final-recipient'))) ||
      findAddress(typedValue(fields.get('x-actual-recipient')));
    // The address as the sender gave it (RFC 3464 §2.3.1), when it is a mail address: the one
    // to suppress, even where an alias or forward turned it into another before it failed.
    const originalField = fields.get('original-recipient') ?? '';
    const original = /^\s*(?:rfc822\s*;)?\s*<?[^\s;<>]+@/i.test(originalField)
      ? findAddress(typedValue(originalField))
      : '';
    const recipient = original || final;
    if (!recipient) continue;
    const statusCode = /^([245]\.\d{1,3}\.\d{1,3})/.exec(fields.get('status') ?? '')?.[1] ?? '';
    const diagnosticCode = fields.get('diagnostic-code') ?? '';
    failures.push({
      recipient,
      ...(final && final !== recipient ? { finalRecipient: final } : {}),
      diagnostic: typedValue(diagnosticCode),
      localDelivery: /^x-unix\s*;/i.test(diagnosticCode),
      status: statusCode,
      source: 'the RFC 3464 delivery-status fields',
      action: (fields.get('action') ?? '').toLowerCase().split(/[\s(;]/)[0] ?? '',
    });
  }
  return failures;
}

/** Whether a text carries RFC 3464 recipient fields, e.g. a DSN pasted into a text/plain part. */
export function looksLikeDeliveryStatus(text: string): boolean {
  return /^(?:final|original)-recipient\s*:/im.test(text) && /^(?:action|status)\s*:/im.test(text);
}
