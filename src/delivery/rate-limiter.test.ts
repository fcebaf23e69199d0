import { describe, expect, it } from 'vitest';
import { CircuitBreaker, RateLimiter } from './rate-limiter.ts';

/** A clock the test moves by hand. */
function manualClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('RateLimiter', () => {
  it('lets a burst of one second through, then paces', async () => {
    const limiter = new RateLimiter(50);
    const started = performance.now();
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 75 }, () => limiter.acquire().then(() => times.push(performance.now() - started))),
    );
    times.sort((a, b) => a - b);
    // 50 at once, the next 25 at 50/s: the last near 500 ms (never before).
    expect(times[49]).toBeLessThan(100);
    expect(times[74]).toBeGreaterThanOrEqual(480);
  });

  it('serves waiting high-priority callers before earlier low-priority ones', async () => {
    const limiter = new RateLimiter(20);
    for (let i = 0; i < 20; i++) await limiter.acquire();
    const order: string[] = [];
    const waits = [
      ...Array.from({ length: 3 }, (_, i) => limiter.acquire(3).then(() => order.push(`low${i}`))),
      limiter.acquire(1).then(() => order.push('high')),
    ];
    await Promise.all(waits);
    expect(order[0]).toBe('high');
    expect(order.slice(1)).toEqual(['low0', 'low1', 'low2']);
  });
});

describe('CircuitBreaker', () => {
  it('opens after the threshold of failures in a row, then lets one trial through', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(3, 10_000, clock.now);
    breaker.failure();
    breaker.failure();
    expect(breaker.allow()).toBe(true);
    breaker.failure();
    expect(breaker.state).toBe('open');
    expect(breaker.allow()).toBe(false);
    expect(breaker.retryInMs).toBe(10_000);
    clock.advance(10_000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.allow()).toBe(true);
    // Only one trial at a time.
    expect(breaker.allow()).toBe(false);
    breaker.failure();
    expect(breaker.state).toBe('open');
    clock.advance(10_000);
    expect(breaker.allow()).toBe(true);
    breaker.success();
    expect(breaker.state).toBe('closed');
    expect(breaker.allow()).toBe(true);
  });

  it('opens at once when the provider says it is down, and a success resets the count', () => {
    const clock = manualClock();
    const breaker = new CircuitBreaker(3, 5_000, clock.now);
    breaker.failure();
    breaker.failure();
    breaker.success();
    breaker.failure();
    breaker.failure();
    expect(breaker.state).toBe('closed');
    breaker.failure(true);
    expect(breaker.state).toBe('open');
  });
});
