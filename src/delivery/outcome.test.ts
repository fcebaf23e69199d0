// The outcome of one attempt, case by case: what each kind of answer leads to, for each
// channel, with the retry policy, the horizon and validFor. No database, no provider.
import { describe, expect, it } from 'vitest';
import { DestinationNotAllowedError, PermanentError, TransientError } from '../channels/index.ts';
import {
  type AttemptedJob,
  expiredOutcome,
  failureOutcome,
  type OutcomePolicy,
  sentOutcome,
} from './outcome.ts';
import { DeliveryFailure } from './routing.ts';

const accepted = new Date('2026-12-03T10:00:00Z');
const minutes = (n: number) => new Date(accepted.getTime() + n * 60_000);

const job = (over: Partial<AttemptedJob> = {}): AttemptedJob => ({
  job_id: '7',
  id: 'msg_01jexample',
  channel: 'email',
  to_address: 'ana@example.org',
  job_attempts: 1,
  valid_until: null,
  created_at: accepted,
  ...over,
});

const policy: OutcomePolicy = {
  baseMs: 60_000,
  maxMs: 3_600_000,
  horizonMs: { email: 86_400_000, sms: 3_600_000, whatsapp: 3_600_000 },
};

/** A failure as the router hands it over: the last provider's error. */
const via = (cause: unknown) => new DeliveryFailure(cause, 'relay', []);
const refused = new PermanentError(
  '550 5.1.1 <ana@example.org>: Recipient address rejected: User unknown',
  'bounce',
  {
    response: '550 5.1.1 <ana@example.org>: Recipient address rejected: User unknown',
    responseCode: 550,
    enhancedStatus: '5.1.1',
  },
);
const full = new PermanentError('552 5.2.2 mailbox full', 'bounce', {
  response: '552 5.2.2 mailbox full',
  responseCode: 552,
  enhancedStatus: '5.2.2',
});
const busy = new TransientError('421 4.7.0 try again later', {
  response: '421 4.7.0 try again later',
  responseCode: 421,
});
const middle = () => 0.5;

describe('the outcome of an attempt', () => {
  it.each([
    // [case, job, error, at, status, details that must be there, bounce]
    [
      'a recipient refused (email)',
      job(),
      via(refused),
      minutes(1),
      'bounced',
      { reason: 'userunknown', source: 'smtp' },
      { hard: true },
    ],
    [
      'a full mailbox refused (email)',
      job(),
      via(full),
      minutes(1),
      'bounced',
      { reason: 'mailboxfull', source: 'smtp' },
      { hard: false },
    ],
    [
      'a recipient refused (sms): no bounce',
      job({ channel: 'sms' }),
      via(refused),
      minutes(1),
      'failed',
      { reason: 'recipient_rejected' },
      undefined,
    ],
    [
      'another permanent failure',
      job(),
      via(new PermanentError('554 no', 'failure')),
      minutes(1),
      'failed',
      { reason: 'rejected' },
      undefined,
    ],
    [
      'a destination the guard refused',
      job(),
      via(new DestinationNotAllowedError('loopback')),
      minutes(1),
      'failed',
      { reason: 'destination_not_allowed' },
      undefined,
    ],
    [
      'a temporary failure',
      job(),
      via(busy),
      minutes(1),
      'deferred',
      { attempt: 1, provider: 'relay' },
      undefined,
    ],
    [
      'a temporary failure past the horizon',
      job({ job_attempts: 9 }),
      via(busy),
      minutes(24 * 60),
      'failed',
      { reason: 'retry_horizon_exceeded', attempts: 9 },
      undefined,
    ],
    [
      'a temporary failure past the sms horizon',
      job({ channel: 'sms' }),
      via(busy),
      minutes(61),
      'failed',
      { reason: 'retry_horizon_exceeded' },
      undefined,
    ],
    [
      'a temporary failure whose retry comes after validFor',
      job({ valid_until: minutes(1.2) }),
      via(busy),
      minutes(1),
      'expired',
      { reason: 'validFor runs out before the next attempt' },
      undefined,
    ],
  ] as const)('%s → %s', (_name, j, err, at, status, details, bounce) => {
    const decided = failureOutcome(j, err, null, policy, at, middle);
    expect(decided.outcome.status).toBe(status);
    expect(decided.outcome.event).toBe(status);
    expect(decided.outcome.details).toMatchObject(details);
    expect(decided.bounce).toEqual(bounce);
    expect(decided.unexpected).toBeUndefined();
    // Only a retry keeps the job; every other outcome ends it.
    expect(decided.outcome.retryAt !== null).toBe(status === 'deferred');
  });

  it('retries after the backoff, and never before a Retry-After', () => {
    const at = minutes(1);
    const first = failureOutcome(job(), via(busy), null, policy, at, middle).outcome;
    expect(first.retryAt?.getTime()).toBe(at.getTime() + 60_000);
    const third = failureOutcome(job({ job_attempts: 3 }), via(busy), null, policy, at, middle).outcome;
    expect(third.retryAt?.getTime()).toBe(at.getTime() + 4 * 60_000);
    const later = new TransientError('429', { retryAfterMs: 600_000 });
    const waited = failureOutcome(job(), via(later), null, policy, at, middle).outcome;
    expect(waited.retryAt?.getTime()).toBeGreaterThanOrEqual(at.getTime() + 600_000);
  });

  it('retries an error of no provider kind, and says it was unexpected', () => {
    const bug = new TypeError('x is undefined');
    const decided = failureOutcome(job(), bug, null, policy, minutes(1), middle);
    expect(decided.outcome.status).toBe('deferred');
    expect(decided.outcome.details.response).toBe('x is undefined');
    expect(decided.unexpected).toBe(bug);
  });

  it('keeps the Message-ID header and the providers tried before', () => {
    const failure = new DeliveryFailure(busy, 'backup', [{ provider: 'main', error: 'down' }]);
    const decided = failureOutcome(job(), failure, '<m@example.org>', policy, minutes(1), middle);
    expect(decided.outcome).toMatchObject({
      provider: 'backup',
      messageIdHeader: '<m@example.org>',
      details: { failedOver: [{ provider: 'main', error: 'down' }] },
    });
  });

  it('records what the provider answered when it took the message, with every segment id', () => {
    const outcome = sentOutcome(
      job({ channel: 'sms' }),
      { name: 'vonage', id: 'prv_1' },
      null,
      { providerMessageId: 'a1', segmentIds: ['a1', 'a2'], response: 'ok' },
      [],
      minutes(1),
    );
    expect(outcome).toMatchObject({
      status: 'sent',
      event: 'sent',
      provider: 'vonage',
      providerMessageId: 'a1',
      refs: { providerId: 'prv_1', ids: ['a1', 'a2'] },
      retryAt: null,
      details: { provider: 'vonage', response: 'ok', providerMessageId: 'a1' },
    });
    // A provider that gives no id leaves nothing to match receipts against.
    const anonymous = sentOutcome(
      job(),
      { name: 'relay', id: 'prv_2' },
      '<m@x>',
      { providerMessageId: null, response: '250 ok' },
      [],
      minutes(1),
    );
    expect(anonymous.refs).toBeNull();
    expect(anonymous.details.messageId).toBe('<m@x>');
  });

  it('expires a message whose validFor ran out, with what it last knew', () => {
    const outcome = expiredOutcome(
      job({ valid_until: minutes(5), job_attempts: 2 }),
      null,
      'validFor ran out',
      minutes(6),
    );
    expect(outcome).toMatchObject({
      status: 'expired',
      event: 'expired',
      retryAt: null,
      details: { reason: 'validFor ran out', validUntil: minutes(5).toISOString(), attempts: 2 },
    });
  });
});
