// The message state machine. A message moves forward only; final states never change
// except by later feedback from the provider (delivered, read, failed after sent), which
// never moves a message backwards (see statusRank).

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

/** Statuses in which the message still waits for a send attempt, so it can be canceled. */
export const cancelableStatuses: readonly MessageStatus[] = ['scheduled', 'queued', 'deferred'];

export const priorities = { high: 1, normal: 2, low: 3 } as const;
export type Priority = keyof typeof priorities;

export function priorityName(value: number): Priority {
  return value === 1 ? 'high' : value === 3 ? 'low' : 'normal';
}
