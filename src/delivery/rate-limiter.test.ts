import { describe, expect, it } from 'vitest';
import { CircuitBreaker, RateLimiter, type TokenSource } from './rate-limiter.ts';

/** A clock the test moves by hand. */
function manualClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

/**
 * A token source like the shared bucket, in memory: `perGrant` tokens become available every
 * `everyMs`. Records each take so the tests can see the batches and the urgent flag.
 */
function testSource(options: { perGrant: number; everyMs: number; fail?: () => boolean }) {
  let available = options.perGrant;
  const takes: { want: number; urgent: boolean; granted: number }[] = [];
  let givenBack = 0;
  const timer = setInterval(() => {
    available = Math.min(options.perGrant, available + options.perGrant);
  }, options.everyMs);
  const source: TokenSource = {
    async take(want, urgent) {
      await new Promise((r) => setTimeout(r, 1));
      if (options.fail?.()) throw new Error('database unreachable');
      const granted = Math.min(want, available);
      available -= granted;
      takes.push({ want, urgent, granted });
      return { granted, retryInMs: options.everyMs };
    },
    async giveBack(count) {
      givenBack += count;
      available += count;
    },
  };
  return { source, takes, givenBack: () => givenBack, stop: () => clearInterval(timer) };
}

const limiterOptions = { maxBatch: 50, holdMs: 50, urgentPriority: 1, errorRetryMs: 20 };

describe('RateLimiter', () => {
  it('asks for tokens in batches: 200 sends at once cost a handful of round trips', async () => {
    const test = testSource({ perGrant: 1_000, everyMs: 1_000 });
    const limiter = new RateLimiter(test.source, limiterOptions);
    await Promise.all(Array.from({ length: 200 }, () => limiter.acquire()));
    test.stop();
    expect(test.takes.reduce((n, t) => n + t.granted, 0)).toBeGreaterThanOrEqual(200);
    // The first take sees one caller; the next ones ask for everyone waiting, up to maxBatch.
    expect(test.takes.length).toBeLessThanOrEqual(6);
    expect(Math.max(...test.takes.map((t) => t.want))).toBe(50);
  });

  it('serves waiting high-priority callers before earlier low-priority ones, and says it is urgent', async () => {
    const test = testSource({ perGrant: 1, everyMs: 30 });
    const limiter = new RateLimiter(test.source, limiterOptions);
    await limiter.acquire();
    const order: string[] = [];
    const waits = [
      ...Array.from({ length: 3 }, (_, i) => limiter.acquire(3).then(() => order.push(`low${i}`))),
      limiter.acquire(1).then(() => order.push('high')),
    ];
    await Promise.all(waits);
    test.stop();
    expect(order[0]).toBe('high');
    expect(order.slice(1)).toEqual(['low0', 'low1', 'low2']);
    // The take that served the high-priority caller said so; the later ones did not.
    const served = test.takes.filter((t) => t.granted > 0);
    expect(served[1]).toMatchObject({ urgent: true });
    expect(served.slice(2).every((t) => !t.urgent)).toBe(true);
  });

  it('waits as long as the source says when it got fewer tokens than it asked for', async () => {
    const test = testSource({ perGrant: 5, everyMs: 100 });
    const limiter = new RateLimiter(test.source, limiterOptions);
    const started = performance.now();
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 15 }, () => limiter.acquire().then(() => times.push(performance.now() - started))),
    );
    test.stop();
    times.sort((a, b) => a - b);
    expect(times[4]).toBeLessThan(50);
    expect(times[14]).toBeGreaterThanOrEqual(190);
  });

  it('gives back the tokens it could not use within the hold time', async () => {
    const test = testSource({ perGrant: 1_000, everyMs: 1_000 });
    const limiter = new RateLimiter(test.source, limiterOptions);
    // Demand of 20: the next batch asks for twice as many, and half of them stay unused.
    await Promise.all(Array.from({ length: 20 }, () => limiter.acquire()));
    await limiter.acquire();
    const taken = test.takes.reduce((n, t) => n + t.granted, 0);
    await new Promise((r) => setTimeout(r, limiterOptions.holdMs + 30));
    test.stop();
    expect(taken).toBeGreaterThan(21);
    expect(test.givenBack()).toBe(taken - 21);
  });

  it('keeps waiting, and tries again, while the source fails', async () => {
    let failures = 3;
    const errors: unknown[] = [];
    const test = testSource({ perGrant: 10, everyMs: 1_000, fail: () => failures-- > 0 });
    const limiter = new RateLimiter(test.source, { ...limiterOptions, onError: (e) => errors.push(e) });
    await limiter.acquire();
    test.stop();
    expect(errors).toHaveLength(3);
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
