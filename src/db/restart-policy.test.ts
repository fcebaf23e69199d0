import { describe, expect, it } from 'vitest';
import { nextRestart, type RestartPolicy } from './restart-policy.ts';

const policy: RestartPolicy = { limit: 3, windowMs: 600_000, firstDelayMs: 1000, maxDelayMs: 5000 };

describe('nextRestart', () => {
  it.each([
    [[], 0, 1000],
    [[0], 1, 2000],
    [[0, 2000], 2, 4000],
    // A success resets the backoff, not the count.
    [[0, 2000], 0, 1000],
  ])('after attempts %j with %i failures in a row waits %i ms', (attempts, failed, wait) => {
    expect(nextRestart(policy, attempts, failed, 10_000)).toEqual({ restartInMs: wait });
  });

  it('never waits longer than the longest delay', () => {
    expect(nextRestart({ ...policy, limit: 100 }, [], 20, 0)).toEqual({ restartInMs: 5000 });
  });

  it('gives up once the window holds the limit, and tries again once old attempts leave it', () => {
    expect(nextRestart(policy, [1, 2, 3], 0, 10_000)).toEqual({
      giveUp: '3 restarts within 10 min, the most allowed',
    });
    expect(nextRestart(policy, [1, 2, 3], 0, 600_002)).toEqual({ restartInMs: 1000 });
  });

  it('with a limit of 0 never restarts', () => {
    expect(nextRestart({ ...policy, limit: 0 }, [], 0, 0)).toEqual({
      giveUp: 'restarts are turned off',
    });
  });
});
