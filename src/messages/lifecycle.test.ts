// The lifecycle, pair by pair: every status against every event, written out by hand as the
// statement of what may happen (not derived from the code), and a property: no sequence of
// events ever moves a message backwards.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type MessageStatus, messageStatuses } from '../vocabulary.ts';
import { finalStatuses, type LifecycleEvent, statusRank, transition } from './lifecycle.ts';

/** The columns of the table below: the statuses in the lifecycle's order. */
const columns = messageStatuses;

/**
 * Per event, per status in `columns`: `x` the event is not recorded, `=` it is recorded and
 * the status stays, otherwise the status the message moves to.
 */
const table: [string, LifecycleEvent, string][] = [
  ['attempt sent', { source: 'attempt', outcome: 'sent' }, 'sent sent sent x x x x x x x x'],
  [
    'attempt deferred',
    { source: 'attempt', outcome: 'deferred' },
    'deferred deferred deferred x x x x x x x x',
  ],
  ['attempt bounced', { source: 'attempt', outcome: 'bounced' }, 'bounced bounced bounced x x x x x x x x'],
  ['attempt failed', { source: 'attempt', outcome: 'failed' }, 'failed failed failed x x x x x x x x'],
  ['attempt expired', { source: 'attempt', outcome: 'expired' }, 'expired expired expired x x x x x x x x'],
  ['cancel', { source: 'cancel' }, 'canceled canceled canceled x x x x x x x x'],
  ['receipt sent', { source: 'receipt', status: 'sent' }, 'x x x x x x x x x x x'],
  [
    'receipt delivered',
    { source: 'receipt', status: 'delivered' },
    'delivered delivered delivered delivered = = x x x x x',
  ],
  ['receipt read', { source: 'receipt', status: 'read' }, 'read read read read read = read read read x x'],
  ['receipt failed', { source: 'receipt', status: 'failed' }, 'failed failed failed failed x x x = x x x'],
  [
    'receipt expired',
    { source: 'receipt', status: 'expired' },
    'expired expired expired expired x x x x = x x',
  ],
  [
    'report bounced',
    { source: 'report', type: 'bounced' },
    'x x bounced bounced bounced = = bounced bounced x x',
  ],
  ['report delayed', { source: 'report', type: 'delayed' }, 'x x = = = = = = = x x'],
  ['report delivered', { source: 'report', type: 'delivered' }, '= = = delivered = = = = = = ='],
  ['report complained', { source: 'report', type: 'complained' }, '= = = = = = = = = = ='],
];

/** The event type each kind of event writes. */
const eventOf = (e: LifecycleEvent) =>
  e.source === 'attempt'
    ? e.outcome
    : e.source === 'receipt'
      ? e.status
      : e.source === 'report'
        ? e.type === 'delayed'
          ? 'deferred'
          : e.type
        : 'canceled';

describe('the message lifecycle', () => {
  for (const [name, event, row] of table) {
    const cells = row.split(' ');
    it.each(columns.map((status, i) => [status, cells[i] as string]))(
      `${name} on %s → %s`,
      (status, cell) => {
        const next = transition(status, event);
        if (cell === 'x') {
          expect(next).toEqual({ record: false, status, event: null });
        } else {
          expect(next).toEqual({ record: true, status: cell === '=' ? status : cell, event: eventOf(event) });
        }
      },
    );
  }

  it('calls final exactly the statuses no attempt or cancellation applies to', () => {
    const final = messageStatuses.filter(
      (status) =>
        !transition(status, { source: 'attempt', outcome: 'sent' }).record &&
        !transition(status, { source: 'cancel' }).record &&
        status !== 'sent',
    );
    expect(final).toEqual([...finalStatuses]);
  });

  const events = fc.constantFrom(...table.map(([, event]) => event));

  it('never moves a message backwards, whatever reports arrive in whatever order', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...messageStatuses),
        fc.array(events, { maxLength: 30 }),
        (start, sequence) => {
          let status = start;
          for (const event of sequence) {
            const next = transition(status, event).status;
            expect(statusRank(next)).toBeGreaterThanOrEqual(statusRank(status));
            status = next;
          }
        },
      ),
    );
  });

  it('leaves a canceled or suppressed message as it is, and sends nothing twice', () => {
    fc.assert(
      fc.property(fc.array(events, { maxLength: 30 }), (sequence) => {
        for (const start of ['canceled', 'suppressed'] as const) {
          expect(sequence.every((e) => transition(start, e).status === start)).toBe(true);
        }
        // Once an attempt has an outcome other than "deferred", no further attempt applies.
        let status: MessageStatus = 'queued';
        let attempts = 0;
        for (const event of sequence) {
          const next = transition(status, event);
          if (event.source === 'attempt' && next.record && event.outcome !== 'deferred') attempts++;
          status = next.status;
        }
        expect(attempts).toBeLessThanOrEqual(1);
      }),
    );
  });
});
