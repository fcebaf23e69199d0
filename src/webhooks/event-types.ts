// The event types an endpoint can subscribe to: every event a message can record.
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
