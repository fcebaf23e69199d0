// Writes the worker's outcomes: all that wait go in one statement, and the writer keeps going
// while more arrive, so batches grow with load and cost nothing when idle (group commit). A
// send slot is freed only once its outcome is written. Recipients refused at send time then get
// the suppression rules. On a database error the outcomes are kept and written again.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { afterBounce } from '../feedback/index.ts';
import type { Logger } from '../log.ts';
import { type ClaimedJob, type Outcome, recordOutcomes } from './queue.ts';

/** What a send ended in, for the writer. */
export interface WorkerOutcome extends Outcome {
  /** A recipient refused at send time: the suppression rules apply once it is recorded. */
  bounce?: { job: ClaimedJob; hard: boolean };
}

interface Pending extends WorkerOutcome {
  /** The worker id that claimed the job: only that claim may complete it. */
  claimedBy: string;
  recorded: () => void;
}

/** Outcomes written in one statement at most. */
const batchSize = 500;
const retryMs = 500;

export class OutcomeWriter {
  private pending: Pending[] = [];
  private flushing = false;
  /** Set once the worker gave up on what is left; their jobs will be sent again. */
  private abandoned = false;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
  ) {}

  /** Resolves once the outcome is written (or given up by abandon()). */
  write(outcome: WorkerOutcome, claimedBy: string): Promise<void> {
    return new Promise<void>((recorded) => {
      if (this.abandoned) return recorded();
      this.pending.push({ ...outcome, claimedBy, recorded });
      if (!this.flushing) void this.flush();
    });
  }

  /** Accepts outcomes again (a worker that starts after a stop). */
  reopen(): void {
    this.abandoned = false;
  }

  /**
   * Gives up on the outcomes not written yet: their jobs stay claimed by a worker id whose
   * session is ending, so another worker releases and sends them again (at least once, never
   * lost). Frees their slots.
   */
  abandon(): void {
    this.abandoned = true;
    for (const p of this.pending.splice(0)) p.recorded();
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0 && !this.abandoned) {
        const batch = this.pending.splice(0, batchSize);
        const byClaim = new Map<string, Pending[]>();
        for (const o of batch) {
          const list = byClaim.get(o.claimedBy);
          if (list) list.push(o);
          else byClaim.set(o.claimedBy, [o]);
        }
        try {
          for (const [claimedBy, outcomes] of byClaim) await recordOutcomes(this.db, claimedBy, outcomes);
          for (const o of batch) o.recorded();
          await this.suppressBounced(batch);
        } catch (err) {
          this.log.error({ err, outcomes: batch.length }, 'recording outcomes failed; retrying');
          this.pending.unshift(...batch);
          await sleep(retryMs);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /**
   * Recipients refused at send time are suppressed as the rules say (hard bounce at once,
   * soft bounces when they repeat). After the outcome is recorded, so the soft-bounce count
   * includes it; a crash in between only loses the suppression, and the next send to the
   * address bounces again and adds it.
   */
  private async suppressBounced(batch: Pending[]): Promise<void> {
    for (const o of batch) {
      if (!o.bounce) continue;
      const { job, hard } = o.bounce;
      try {
        await afterBounce(this.db, job, hard, o.details);
      } catch (err) {
        this.log.error({ err, messageId: job.id }, 'could not apply the suppression rules to a bounce');
      }
    }
  }
}
