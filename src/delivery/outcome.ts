// What one delivery attempt comes to: the provider's answer (or the error it ended with), the
// message and the retry policy in; the message's next state, when to try again and the event
// to record out. Pure: the worker does the sending and the writing.
import { refusalAsBounce } from '../channels/email/index.ts';
import {
  type Channel,
  DestinationNotAllowedError,
  PermanentError,
  type SendResult,
  TransientError,
} from '../channels/index.ts';
import { bounceDetails } from '../feedback/index.ts';
import type { Outcome } from './queue.ts';
import { nextAttemptAt, type RetryPolicy } from './retry-policy.ts';
import { DeliveryFailure } from './routing.ts';

/** What of a claimed job the decision reads. */
export interface AttemptedJob {
  job_id: string;
  id: string;
  channel: Channel;
  to_address: string;
  job_attempts: number;
  valid_until: Date | null;
  created_at: Date;
}

export interface OutcomePolicy {
  baseMs: number;
  maxMs: number;
  /** How long after acceptance each channel retries before the message is failed. */
  horizonMs: Record<Channel, number>;
}

/** An outcome, and what else its writer must do: apply the suppression rules of a refusal. */
export interface Decided {
  outcome: Outcome;
  /** A recipient refused at send time (email): whether the refusal is hard. */
  bounce?: { hard: boolean };
  /** The error was none of the providers' kinds: a defect worth logging. */
  unexpected?: unknown;
}

function base(job: AttemptedJob, provider: string | null, header: string | null, at: Date) {
  return {
    jobId: job.job_id,
    messageId: job.id,
    provider,
    providerMessageId: null,
    messageIdHeader: header,
    retryAt: null,
    refs: null,
    at,
  };
}

/** The message's validFor ran out: it is not sent (a late 2FA code is useless). */
export function expiredOutcome(
  job: AttemptedJob,
  provider: string | null,
  reason: string,
  at: Date,
  last?: Record<string, unknown>,
): Outcome {
  return {
    ...base(job, provider, null, at),
    status: 'expired',
    event: 'expired',
    details: { reason, validUntil: job.valid_until?.toISOString(), attempts: job.job_attempts, ...last },
  };
}

/** The provider took the message. */
export function sentOutcome(
  job: AttemptedJob,
  provider: { name: string; id: string | null },
  header: string | null,
  answer: Pick<SendResult, 'providerMessageId' | 'segmentIds' | 'response'>,
  failedOver: unknown[],
  at: Date,
): Outcome {
  const details: Record<string, unknown> = { provider: provider.name, response: answer.response };
  if (header) details.messageId = header;
  if (answer.providerMessageId) details.providerMessageId = answer.providerMessageId;
  if (failedOver.length > 0) details.failedOver = failedOver;
  const ids = answer.segmentIds ?? (answer.providerMessageId ? [answer.providerMessageId] : []);
  return {
    ...base(job, provider.name, header, at),
    status: 'sent',
    event: 'sent',
    details,
    providerMessageId: answer.providerMessageId ?? null,
    refs: provider.id && ids.length > 0 ? { providerId: provider.id, ids } : null,
  };
}

/**
 * The send failed with `err`: a permanent refusal bounces (email, the recipient refused) or
 * fails; a temporary one is retried by the policy, unless the horizon or the message's
 * validFor comes first (then it fails, or expires). `random` is the retry jitter's source.
 */
export function failureOutcome(
  job: AttemptedJob,
  err: unknown,
  header: string | null,
  policy: OutcomePolicy,
  at: Date,
  random?: () => number,
): Decided {
  const failure = err instanceof DeliveryFailure ? err : null;
  const cause = failure ? failure.cause : err;
  const provider = failure?.provider ?? null;
  const common = base(job, provider, header, at);
  const extra: Record<string, unknown> =
    failure && failure.failedOver.length > 0 ? { failedOver: failure.failedOver } : {};
  if (cause instanceof PermanentError) {
    const bounced = cause.kind === 'bounce' && job.channel === 'email';
    const reason =
      cause instanceof DestinationNotAllowedError
        ? 'destination_not_allowed'
        : cause.kind === 'bounce'
          ? 'recipient_rejected'
          : 'rejected';
    const bounce = bounced ? refusalAsBounce(job.to_address, cause) : null;
    const outcome: Outcome = {
      ...common,
      status: bounced ? 'bounced' : 'failed',
      event: bounced ? 'bounced' : 'failed',
      details: {
        ...(bounce ? bounceDetails(bounce, 'smtp') : { reason }),
        provider,
        response: cause.message,
        ...cause.details,
        ...extra,
      },
    };
    return bounce ? { outcome, bounce: { hard: bounce.hardBounce } } : { outcome };
  }
  const transient = cause instanceof TransientError;
  const details: Record<string, unknown> = transient
    ? { response: cause.message, ...cause.details, ...extra }
    : { response: cause instanceof Error ? cause.message : String(cause), ...extra };
  const unexpected = transient ? {} : { unexpected: cause };
  const horizonMs = policy.horizonMs[job.channel];
  const retry: RetryPolicy = { baseMs: policy.baseMs, maxMs: policy.maxMs, horizonMs };
  const retryAt = nextAttemptAt(retry, job.job_attempts, job.created_at, at, {
    retryAfterMs: transient ? cause.details.retryAfterMs : undefined,
    ...(random ? { random } : {}),
  });
  if (job.valid_until && (!retryAt || retryAt >= job.valid_until)) {
    const outcome = expiredOutcome(job, provider, 'validFor runs out before the next attempt', at, {
      provider,
      ...details,
    });
    return { outcome, ...unexpected };
  }
  if (!retryAt) {
    const outcome: Outcome = {
      ...common,
      status: 'failed',
      event: 'failed',
      details: { reason: 'retry_horizon_exceeded', attempts: job.job_attempts, provider, ...details },
    };
    return { outcome, ...unexpected };
  }
  const outcome: Outcome = {
    ...common,
    status: 'deferred',
    event: 'deferred',
    retryAt,
    details: { attempt: job.job_attempts, nextAttemptAt: retryAt.toISOString(), provider, ...details },
  };
  return { outcome, ...unexpected };
}
