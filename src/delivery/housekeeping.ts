// What every worker does now and then besides sending: release the jobs of workers that are
// gone (their session ended, or their lease ran out) and purge expired idempotency keys. Any
// number of workers may do it at once; each step is one idempotent statement.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { purgeIdempotencyKeys } from '../messages/index.ts';
import { releaseAbandonedJobs } from './queue.ts';

const everyMs = 5_000;
const purgeEveryMs = 3_600_000;

export class Housekeeping {
  private timer?: NodeJS.Timeout;
  private lastPurge = 0;

  constructor(
    private readonly db: Kysely<Database>,
    /** Called when released jobs are claimable again. */
    private readonly onReleased: () => void,
    private readonly log: Logger,
  ) {}

  /** Releases what a dead worker held at once, then keeps doing it every few seconds. */
  async start(): Promise<void> {
    await releaseAbandonedJobs(this.db);
    this.timer = setInterval(() => void this.run(), everyMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async run(): Promise<void> {
    try {
      const released = await releaseAbandonedJobs(this.db);
      if (released > 0) {
        this.log.warn({ released }, 'released jobs of a worker that is gone');
        this.onReleased();
      }
      if (Date.now() - this.lastPurge > purgeEveryMs) {
        this.lastPurge = Date.now();
        await purgeIdempotencyKeys(this.db);
      }
    } catch (err) {
      this.log.error({ err }, 'housekeeping failed');
    }
  }
}
