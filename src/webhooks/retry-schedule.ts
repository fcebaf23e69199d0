// When a failed webhook delivery is tried again: after the next of the configured delays
// (AVISO_WEBHOOK_RETRY_SECONDS), give or take 10 % so that deliveries failing together do not
// retry together; a receiver's Retry-After (429, 503) is honoured when it asks for longer, up
// to the longest configured delay. Pure.

/**
 * The time of the next attempt after `attempts` attempts have failed (1 = the first), or null
 * when every delay is used up and the delivery has failed.
 */
export function nextWebhookAttemptAt(
  delaysSeconds: readonly number[],
  attempts: number,
  now: Date,
  options: { retryAfterMs?: number; random?: () => number } = {},
): Date | null {
  const delay = delaysSeconds[attempts - 1];
  if (delay === undefined) return null;
  const jittered = delay * 1000 * (0.9 + 0.2 * (options.random ?? Math.random)());
  const longest = Math.max(...delaysSeconds) * 1000;
  const wait = Math.max(jittered, Math.min(options.retryAfterMs ?? 0, longest));
  return new Date(now.getTime() + wait);
}

/** "27 hours", "3 minutes", "40 seconds": how long something lasted, roughly. */
export function roughDuration(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1_000, 'second'],
  ];
  // Below two of a unit, the next smaller one reads better: "36 hours", not "1 day".
  for (const [i, [size, name]] of units.entries()) {
    const n = Math.floor(ms / size);
    if (n >= 2 || (n === 1 && i === units.length - 1)) return `${n} ${name}${n === 1 ? '' : 's'}`;
  }
  return 'less than a second';
}
