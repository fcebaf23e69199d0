// The message lifecycle, stated once: every status, how far along each is, which are final,
// and what each kind of report may still do to a message in each status. Pure. Every writer
// of a message's status asks this module first (the worker's attempts, providers' receipts,
// mailed bounce and delivery reports, cancellation); reports, scenarios and the console read
// it to know what a status means.
//
//   accepted ─┬─ scheduled ─┐
//             ├─ queued ────┼─(attempt)─┬─ sent ─(receipt/report)─┬─ delivered ─(receipt)─ read
//             └─ suppressed │           ├─ deferred ─(attempt)…   ├─ failed / expired
//                           │           ├─ bounced / failed       └─ bounced (a report only)
//                           │           └─ expired
//                           └─(cancel)─ canceled
//
// Reports arrive late, twice and out of order. A message only moves forward (by rank); once
// it has an outcome (rank 3), a report of a different outcome is not recorded, except that a
// mailed bounce may still follow a delivery (a relay accepted the mail, then its recipient's
// server bounced it) and WhatsApp reports "delivered" after "read".

import type { EventType, MessageStatus } from '../vocabulary.ts';

/** How far along a status is; no report moves a message to a lower rank. */
const ranks: Record<MessageStatus, number> = {
  scheduled: 0,
  queued: 0,
  deferred: 1,
  sent: 2,
  delivered: 3,
  failed: 3,
  expired: 3,
  bounced: 3,
  read: 4,
  // Never sent: nothing that happens to a sent message applies to these.
  canceled: 5,
  suppressed: 5,
};

export function statusRank(status: MessageStatus): number {
  return ranks[status];
}

/** Statuses in which the message still waits for a send attempt, so it can be canceled. */
export const cancelableStatuses: readonly MessageStatus[] = ['scheduled', 'queued', 'deferred'];

/** Statuses that end the message's own life; later reports may still add to its history. */
export const finalStatuses: readonly MessageStatus[] = [
  'delivered',
  'read',
  'bounced',
  'failed',
  'expired',
  'canceled',
  'suppressed',
];

/** The message never went to a provider: no report about a sent message may touch it. */
const neverSent = new Set<MessageStatus>(['canceled', 'suppressed']);

/**
 * The status a message is accepted in: waiting for its time, waiting for a worker, or
 * suppressed (its recipient is on a suppression list, found as it is stored).
 */
export function acceptedStatus(
  scheduled: boolean,
  suppressed = false,
): 'scheduled' | 'queued' | 'suppressed' {
  return suppressed ? 'suppressed' : scheduled ? 'scheduled' : 'queued';
}

/** What one delivery attempt can end in. */
export type AttemptOutcome = 'sent' | 'deferred' | 'bounced' | 'failed' | 'expired';

/** Who reports what happened to a message, and what they may report. */
export type LifecycleEvent =
  /** A delivery attempt by the worker, on a message it claimed (waiting to be sent). */
  | { source: 'attempt'; outcome: AttemptOutcome }
  /** A provider's delivery receipt or status callback, after the send. */
  | { source: 'receipt'; status: 'sent' | 'delivered' | 'read' | 'failed' | 'expired' }
  /** A mailed report: a bounce or a delay notice (DSN), a complaint (ARF), a DSN that says delivered. */
  | { source: 'report'; type: 'bounced' | 'delayed' | 'complained' | 'delivered' }
  /** Someone canceled the message through the API. */
  | { source: 'cancel' };

/**
 * What an event does to a message in `current`: whether its event is recorded at all, and
 * the status the message moves to (the same one when it stays). The writer still records
 * each event once (per type, per source), which takes the database.
 */
export interface Transition {
  record: boolean;
  status: MessageStatus;
  /** The event type to record. */
  event: EventType | null;
}

const ignored = (current: MessageStatus): Transition => ({ record: false, status: current, event: null });

/** Moves forward only: the further along of the two statuses. */
const forward = (current: MessageStatus, next: MessageStatus) =>
  statusRank(next) > statusRank(current) ? next : current;

export function transition(current: MessageStatus, event: LifecycleEvent): Transition {
  switch (event.source) {
    case 'attempt':
      // The worker acts only on a message that waits to be sent (it holds its job).
      if (!cancelableStatuses.includes(current)) return ignored(current);
      return { record: true, status: event.outcome, event: event.outcome };
    case 'cancel':
      if (!cancelableStatuses.includes(current)) return ignored(current);
      return { record: true, status: 'canceled', event: 'canceled' };
    case 'receipt': {
      // "sent" says what Aviso recorded itself when the provider took the message.
      if (event.status === 'sent' || neverSent.has(current)) return ignored(current);
      // One outcome: once delivered, failed or expired, a report of another outcome that is
      // not further along is dropped (a "failed" after "delivered"), but WhatsApp reports
      // "delivered" after "read".
      const outcome = statusRank(current) >= 3;
      const behind = statusRank(event.status) <= statusRank(current);
      if (
        outcome &&
        event.status !== current &&
        behind &&
        !(event.status === 'delivered' && current === 'read')
      ) {
        return ignored(current);
      }
      return { record: true, status: forward(current, event.status), event: event.status };
    }
    case 'report': {
      // A complaint is history only, whatever the status.
      if (event.type === 'complained') return { record: true, status: current, event: 'complained' };
      // A delivery notice only completes a message that was sent; otherwise it is history.
      if (event.type === 'delivered') {
        return { record: true, status: current === 'sent' ? 'delivered' : current, event: 'delivered' };
      }
      // A bounce or delay of a message that never left (still waiting for its first attempt, canceled,
      // suppressed) is someone else's: not recorded.
      if (neverSent.has(current) || current === 'scheduled' || current === 'queued') return ignored(current);
      // A delay notice (the receiving side still tries) is worth seeing, and changes nothing.
      if (event.type === 'delayed') return { record: true, status: current, event: 'deferred' };
      // A bounced or read message keeps its status; any other takes the bounce, even after a
      // relay's "delivered".
      const stays = current === 'bounced' || current === 'read';
      return { record: true, status: stays ? current : 'bounced', event: 'bounced' };
    }
  }
}
