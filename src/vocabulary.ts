// Lists of allowed values that many layers share (the database's column types, the API's zod
// and OpenAPI enums, the templates, the providers), each declared once. The ground floor:
// imports nothing. What a value means lives with its domain (statuses: messages/lifecycle.ts).

/** The channels Aviso sends on. */
export const channels = ['email', 'sms', 'whatsapp'] as const;
export type Channel = (typeof channels)[number];

/**
 * Streams: transactional mail is never blocked by marketing unsubscribes; promotional mail
 * carries one-click unsubscribe and honours it. Suppressions are kept per stream.
 */
export const streams = ['transactional', 'promotional'] as const;
export type Stream = (typeof streams)[number];

/** A message's priority by name; the lanes and the queue order use the numbers in messages/. */
export const priorityNames = ['high', 'normal', 'low'] as const;
export type Priority = (typeof priorityNames)[number];

/** Every status a message can be in (what each means and how it changes: messages/lifecycle.ts). */
export const messageStatuses = [
  'scheduled', // accepted, waiting for sendAt
  'queued', // accepted, waiting for a worker
  'deferred', // a temporary failure; will be retried
  'sent', // handed to the provider
  'delivered',
  'read', // WhatsApp: the recipient opened it
  'bounced',
  'failed',
  'expired', // its validFor ran out before it could be sent (a late 2FA code is useless)
  'canceled',
  'suppressed',
] as const;
export type MessageStatus = (typeof messageStatuses)[number];

/** Every event a message can record (webhook endpoints subscribe to them; GET /v1/events filters by them). */
export const eventTypes = [
  'accepted',
  'scheduled',
  'rendered',
  'sent',
  'delivered',
  'deferred',
  'bounced',
  'failed',
  'suppressed',
  'opened',
  'clicked',
  'read',
  'complained',
  'unsubscribed',
  'canceled',
  'expired',
] as const;
export type EventType = (typeof eventTypes)[number];

/** Why a recipient is suppressed on a stream. */
export const suppressionReasons = [
  'hard-bounce',
  'complaint',
  'unsubscribe',
  'soft-bounces',
  'manual',
] as const;
export type SuppressionReason = (typeof suppressionReasons)[number];

/** How an SMS is encoded: GSM 03.38 (160 characters a segment) or UCS-2 (70). */
export const smsEncodings = ['GSM-7', 'UCS-2'] as const;
export type SmsEncoding = (typeof smsEncodings)[number];

/** Where a webhook delivery stands. */
export const webhookDeliveryStatuses = ['pending', 'succeeded', 'failed'] as const;
export type WebhookDeliveryStatus = (typeof webhookDeliveryStatuses)[number];

/** Whether a value read as text (a query parameter, a cursor, a row) is one of a list's. */
export function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}
