// A token bucket per provider: `rate` sends a second on average, bursts of up to one second's
// worth. Waiters queue by priority, then arrival, so a 2FA code waits for tokens ahead of any
// bulk message already waiting. Per process: with several workers, each applies the limit.

interface Waiter {
  priority: number;
  order: number;
  resolve: () => void;
}

export class RateLimiter {
  private tokens: number;
  private last: number;
  private readonly waiters: Waiter[] = [];
  private timer: NodeJS.Timeout | undefined;
  private order = 0;

  constructor(
    readonly rate: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = Math.max(1, rate);
    this.last = this.now();
  }

  /** Resolves when a send may start. Lower `priority` numbers go first. */
  acquire(priority = 2): Promise<void> {
    this.refill();
    if (this.waiters.length === 0 && this.tokens >= 1) {
      this.tokens -= 1;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters.push({ priority, order: this.order++, resolve });
      this.waiters.sort((a, b) => a.priority - b.priority || a.order - b.order);
      this.schedule();
    });
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(Math.max(1, this.rate), this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }

  private schedule(): void {
    if (this.timer || this.waiters.length === 0) return;
    const wait = Math.max(1, ((1 - this.tokens) / this.rate) * 1000);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refill();
      while (this.waiters.length > 0 && this.tokens >= 1) {
        this.tokens -= 1;
        this.waiters.shift()?.resolve();
      }
      this.schedule();
    }, wait);
  }
}

/**
 * Opens after `threshold` transient failures in a row (or at once when the provider says it
 * is down), stays open `openMs`, then lets one trial through: a success closes it, a failure
 * opens it again.
 */
export class CircuitBreaker {
  private failures = 0;
  private openUntil = 0;
  private trial = false;

  constructor(
    private readonly threshold = 5,
    private readonly openMs = 30_000,
    private readonly now: () => number = Date.now,
  ) {}

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.openUntil === 0) return 'closed';
    return this.now() < this.openUntil ? 'open' : 'half-open';
  }

  /** Milliseconds until it lets a trial through (0 when it does now). */
  get retryInMs(): number {
    return Math.max(0, this.openUntil - this.now());
  }

  /** May a send go through now? Half-open lets one trial at a time. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.trial) return false;
    this.trial = true;
    return true;
  }

  success(): void {
    this.failures = 0;
    this.openUntil = 0;
    this.trial = false;
  }

  failure(down = false): void {
    this.failures++;
    this.trial = false;
    if (down || this.failures >= this.threshold || this.openUntil !== 0)
      this.openUntil = this.now() + this.openMs;
  }
}
