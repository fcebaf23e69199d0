import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nextAttemptAt, type RetryPolicy } from './retry-policy.ts';

const policy: RetryPolicy = { baseMs: 30_000, maxMs: 3_600_000, horizonMs: 3 * 24 * 3_600_000 };
const t0 = new Date('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const middle = () => 0.5;

describe('nextAttemptAt', () => {
  it.each([
    [1, 30_000],
    [2, 60_000],
    [3, 120_000],
    [7, 1_920_000],
    [8, 3_600_000],
    [30, 3_600_000],
  ])('attempt %i waits %i ms without jitter', (attempt, delay) => {
    expect(nextAttemptAt(policy, attempt, t0, t0, { random: middle })).toEqual(at(delay));
  });

  it('spreads retries between half and one and a half times the delay', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, r) => {
          const next = nextAttemptAt(policy, attempt, t0, t0, { random: () => r }) as Date;
          const base = 30_000 * 2 ** (attempt - 1);
          const delay = next.getTime() - t0.getTime();
          expect(delay).toBeGreaterThanOrEqual(base * 0.5);
          expect(delay).toBeLessThan(base * 1.5);
        },
      ),
    );
  });

  it('never waits longer than the maximum, whatever the jitter', () => {
    const next = nextAttemptAt(policy, 20, t0, t0, { random: () => 0.99 }) as Date;
    expect(next.getTime() - t0.getTime()).toBe(3_600_000);
  });

  it('honours Retry-After as a minimum', () => {
    expect(nextAttemptAt(policy, 1, t0, t0, { random: () => 0, retryAfterMs: 600_000 })).toEqual(at(600_000));
    expect(nextAttemptAt(policy, 3, t0, t0, { random: middle, retryAfterMs: 1_000 })).toEqual(at(120_000));
  });

  it('spreads the retries that one Retry-After postponed over half of it again', () => {
    // 500 messages refused at once by a circuit that opens again in 30 s (the open circuit's
    // Retry-After): they must not all come due at the end of it.
    const times = Array.from(
      { length: 500 },
      () => (nextAttemptAt(policy, 1, t0, t0, { retryAfterMs: 30_000 }) as Date).getTime() - t0.getTime(),
    ).sort((a, b) => a - b);
    expect(times[0]).toBeGreaterThanOrEqual(30_000);
    expect(times.at(-1)).toBeLessThan(45_000);
    expect((times.at(-1) as number) - (times[0] as number)).toBeGreaterThan(10_000);
    // No instant gets more than a few of them: none shares its millisecond with 10 others.
    const perMs = new Map<number, number>();
    for (const t of times) perMs.set(Math.floor(t), (perMs.get(Math.floor(t)) ?? 0) + 1);
    expect(Math.max(...perMs.values())).toBeLessThan(10);
  });

  it('makes the last attempt at the horizon, then gives up', () => {
    const nearEnd = at(policy.horizonMs - 10_000);
    expect(nextAttemptAt(policy, 50, t0, nearEnd, { random: middle })).toEqual(at(policy.horizonMs));
    expect(nextAttemptAt(policy, 51, t0, at(policy.horizonMs), { random: middle })).toBeNull();
    expect(nextAttemptAt(policy, 51, t0, at(policy.horizonMs + 1), { random: middle })).toBeNull();
  });

  it('is always after now and never after the horizon', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 0, max: policy.horizonMs - 1 }),
        fc.double({ min: 0, max: 0.999999, noNaN: true }),
        (attempt, elapsed, r) => {
          const next = nextAttemptAt(policy, attempt, t0, at(elapsed), { random: () => r }) as Date;
          expect(next.getTime()).toBeGreaterThan(t0.getTime() + elapsed);
          expect(next.getTime()).toBeLessThanOrEqual(t0.getTime() + policy.horizonMs);
        },
      ),
    );
  });
});
