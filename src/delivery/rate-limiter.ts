// A provider's rate limit as seen by one worker process: sends wait in line here, by priority
// then arrival (a 2FA code goes ahead of any bulk message already waiting), and the line is
// served with tokens from a TokenSource: the provider's bucket shared by every worker
// (rate-buckets.ts). Tokens are fetched in batches sized by recent demand, so a busy worker
// pays one round trip per batch, not per message; tokens it cannot use soon go back.

/** Where a limiter's tokens come from. */
export interface TokenSource {
  /**
   * Takes up to `want` tokens. `urgent`: the first in line is high priority, so it may take
   * tokens that others are kept from. `retryInMs`: when more may be available.
   */
  take(want: number, urgent: boolean): Promise<{ granted: number; retryInMs: number }>;
  /** Returns tokens that were taken and not used. */
  giveBack(count: number): Promise<void>;
}

export interface RateLimiterOptions {
  /** The most tokens asked for at once. */
  maxBatch: number;
  /** Tokens not used within this time go back to the source. */
  holdMs: number;
  /** Priorities at or below this number are urgent. */
  urgentPriority: number;
  /** How long to wait after the source failed (the database is unreachable). */
  errorRetryMs: number;
  onError?: (err: unknown) => void;
}

interface Waiter {
  priority: number;
  order: number;
  resolve: () => void;
}

export class RateLimiter {
  private readonly waiters: Waiter[] = [];
  private order = 0;
  private tokens = 0;
  private heldUntil = 0;
  /** Tokens used since the last batch arrived: the next batch asks for twice as many. */
  private used = 0;
  private asking = false;
  private retry: NodeJS.Timeout | undefined;
  private release: NodeJS.Timeout | undefined;

  constructor(
    private readonly source: TokenSource,
    private readonly options: RateLimiterOptions,
  ) {}

  /** Resolves when a send may start. Lower `priority` numbers go first. */
  acquire(priority = 2): Promise<void> {
    if (this.tokens > 0 && performance.now() >= this.heldUntil) void this.giveBack();
    if (this.waiters.length === 0 && this.tokens > 0) {
      this.tokens--;
      this.used++;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.waiters.push({ priority, order: this.order++, resolve });
      this.waiters.sort((a, b) => a.priority - b.priority || a.order - b.order);
      this.ask();
    });
  }

  private ask(): void {
    if (this.asking || this.retry || this.waiters.length === 0) return;
    this.asking = true;
    const want = Math.min(this.options.maxBatch, Math.max(this.waiters.length, this.used * 2));
    const urgent = (this.waiters[0] as Waiter).priority <= this.options.urgentPriority;
    this.source.take(want, urgent).then(
      ({ granted, retryInMs }) => {
        this.asking = false;
        this.used = 0;
        this.tokens += granted;
        this.heldUntil = performance.now() + this.options.holdMs;
        while (this.tokens > 0 && this.waiters.length > 0) {
          this.tokens--;
          this.used++;
          this.waiters.shift()?.resolve();
        }
        if (this.waiters.length === 0) {
          if (this.tokens > 0) this.holdLeftovers();
        } else if (granted < want) this.later(retryInMs);
        // Given all it asked for: more callers came meanwhile.
        else this.ask();
      },
      (err: unknown) => {
        this.asking = false;
        this.options.onError?.(err);
        this.later(this.options.errorRetryMs);
      },
    );
  }

  private later(ms: number): void {
    this.retry = setTimeout(
      () => {
        this.retry = undefined;
        this.ask();
      },
      Math.max(1, ms),
    );
  }

  private holdLeftovers(): void {
    clearTimeout(this.release);
    this.release = setTimeout(() => void this.giveBack(), this.options.holdMs);
    this.release.unref();
  }

  private async giveBack(): Promise<void> {
    clearTimeout(this.release);
    const count = this.tokens;
    this.tokens = 0;
    if (count === 0) return;
    try {
      await this.source.giveBack(count);
    } catch (err) {
      // Lost tokens only slow this provider down until the bucket refills.
      this.options.onError?.(err);
    }
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
