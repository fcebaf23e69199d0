// Every event a message can record (webhook endpoints subscribe to them; GET /v1/events filters by them).
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
