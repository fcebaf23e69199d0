// When to restart a database server that died, and when to stop trying: exponential backoff
// between tries, and at most `limit` tries in any `windowMs`, so a server that cannot stay up
// is reported (a failing /healthz) instead of being restarted forever. Pure: times are given.

export interface RestartPolicy {
  /** Most restart attempts within `windowMs`; 0 never restarts. */
  limit: number;
  windowMs: number;
  /** Wait before the first attempt after a death; doubles after each failed attempt. */
  firstDelayMs: number;
  maxDelayMs: number;
}

export type RestartDecision = { restartInMs: number } | { giveUp: string };

/**
 * The next step after the server was found dead: `attempts` are the times of earlier restart
 * attempts (successful or not), `failedInARow` how many of the last ones failed.
 */
export function nextRestart(
  policy: RestartPolicy,
  attempts: readonly number[],
  failedInARow: number,
  now: number,
): RestartDecision {
  const recent = attempts.filter((t) => now - t < policy.windowMs).length;
  if (recent >= policy.limit) {
    return {
      giveUp:
        policy.limit === 0
          ? 'restarts are turned off'
          : `${recent} restarts within ${seconds(policy.windowMs)}, the most allowed`,
    };
  }
  return { restartInMs: Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** failedInARow) };
}

const seconds = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`);
