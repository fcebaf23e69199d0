// When to try again after a temporary failure: exponential backoff with jitter, bounded by
// a maximum delay and by the horizon after which the message ends as failed. Pure.

export interface RetryPolicy {
  baseMs: number;
  maxMs: number;
  /** Counted from acceptance. */
  horizonMs: number;
}

/**
 * The time of the next attempt after `attempt` attempts (1 = the first failed), or null when
 * the horizon has passed. The delay is base·2^(attempt−1), capped at max, times a random
 * factor in [0.5, 1.5) so that messages failing together do not retry together. A Retry-After
 * (a provider's, or an open circuit's time until its trial) is a minimum, and gets a random
 * half of itself on top: messages postponed together by one Retry-After would otherwise all
 * come due at the same instant. The last attempt happens at the horizon itself.
 */
export function nextAttemptAt(
  policy: RetryPolicy,
  attempt: number,
  acceptedAt: Date,
  now: Date,
  options: { retryAfterMs?: number; random?: () => number } = {},
): Date | null {
  const deadline = acceptedAt.getTime() + policy.horizonMs;
  if (now.getTime() >= deadline) return null;
  const random = (options.random ?? Math.random)();
  const exponential = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.min(policy.maxMs, exponential * (0.5 + random));
  const retryAfter = (options.retryAfterMs ?? 0) * (1 + random / 2);
  const delay = Math.max(jittered, retryAfter);
  return new Date(Math.min(now.getTime() + delay, deadline));
}
