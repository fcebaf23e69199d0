import { describe, expect, it } from 'vitest';
import { nextWebhookAttemptAt, roughDuration } from './retry-schedule.ts';

describe('nextWebhookAttemptAt', () => {
  const delays = [5, 300, 1800];
  const now = new Date('2026-11-22T10:00:00Z');
  const attemptAfter = (attempts: number, options: Parameters<typeof nextWebhookAttemptAt>[3] = {}) =>
    nextWebhookAttemptAt(delays, attempts, now, { random: () => 0.5, ...options });

  it('uses the delays in order, then gives up', () => {
    expect(attemptAfter(1)?.getTime()).toBe(now.getTime() + 5_000);
    expect(attemptAfter(2)?.getTime()).toBe(now.getTime() + 300_000);
    expect(attemptAfter(3)?.getTime()).toBe(now.getTime() + 1_800_000);
    expect(attemptAfter(4)).toBeNull();
  });

  it('jitters by at most 10 %', () => {
    expect(attemptAfter(2, { random: () => 0 })?.getTime()).toBe(now.getTime() + 270_000);
    expect(attemptAfter(2, { random: () => 0.999999 })?.getTime()).toBeLessThan(now.getTime() + 330_000);
  });

  it('honours a longer Retry-After, up to the longest delay, and ignores a shorter one', () => {
    expect(attemptAfter(1, { retryAfterMs: 60_000 })?.getTime()).toBe(now.getTime() + 60_000);
    expect(attemptAfter(1, { retryAfterMs: 1_000 })?.getTime()).toBe(now.getTime() + 5_000);
    expect(attemptAfter(1, { retryAfterMs: 86_400_000 })?.getTime()).toBe(now.getTime() + 1_800_000);
  });
});

describe('roughDuration', () => {
  it.each([
    [500, 'less than a second'],
    [1_000, '1 second'],
    [40_000, '40 seconds'],
    [70_000, '70 seconds'],
    [180_000, '3 minutes'],
    [27 * 3_600_000, '27 hours'],
    [3 * 86_400_000, '3 days'],
  ])('%d ms reads "%s"', (ms, text) => {
    expect(roughDuration(ms)).toBe(text);
  });
});
