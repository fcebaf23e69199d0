// Applies delivery reports from callbacks and SMPP binds, many to a transaction: reports that
// arrive while a batch is being written go together into the next one (group commit, as the
// accept path's message writer does), so a burst costs one commit per batch, not per report.
// A caller's promise resolves once its reports are durable (applied, or stored for later when
// their message is not recorded yet), so the provider is answered 2xx only then; it rejects
// when they could not be written, so the provider sends them again. A sweep applies the
// stored ones once their message's provider id appears, and drops them after an hour.
import { type Kysely, sql } from 'kysely';
import type { ProviderReceipt } from '../channels/index.ts';
import type { Database } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { applyReceipt, cleanReceipt } from './receipts.ts';
import { expireUnmatched, storeUnmatched, takeMatched, type UnmatchedReceipt } from './unmatched-receipts.ts';

interface Waiting {
  reports: UnmatchedReceipt[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

export interface ReceiptApplierOptions {
  /** Transactions in flight at once: a batch waits on round trips and its commit, not the CPU. */
  maxWriters?: number;
  /** Reports per transaction at most; a request's reports are never split. */
  maxBatch?: number;
  /** How often stored reports are tried again. */
  sweepMs?: number;
}

const expireEveryMs = 60_000;

export class ReceiptApplier {
  private readonly queue: Waiting[] = [];
  /** Write loops running (counted in the loop itself, so that none ends unnoticed). */
  private writers = 0;
  private readonly writing = new Set<Promise<void>>();
  private sweeping: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastExpiry = 0;
  private sweepFailing = false;
  private readonly maxWriters: number;
  private readonly maxBatch: number;
  private readonly sweepMs: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly log: Logger,
    options: ReceiptApplierOptions = {},
  ) {
    this.maxWriters = options.maxWriters ?? 2;
    this.maxBatch = options.maxBatch ?? 500;
    this.sweepMs = options.sweepMs ?? 1_000;
  }

  /** Starts sweeping stored reports. */
  start(): void {
    this.timer ??= setInterval(() => {
      this.sweeping ??= this.sweep().finally(() => {
        this.sweeping = undefined;
      });
    }, this.sweepMs);
    this.timer.unref();
  }

  /** Resolves when every report is applied or stored; rejects when they could not be written. */
  apply(providerId: string, receipts: ProviderReceipt[], idForms?: (id: string) => string[]): Promise<void> {
    if (receipts.length === 0) return Promise.resolve();
    const reports = receipts.map(cleanReceipt).map((receipt) => ({
      providerId,
      receipt,
      forms: idForms?.(receipt.providerMessageId) ?? [receipt.providerMessageId],
    }));
    return new Promise((resolve, reject) => {
      this.queue.push({ reports, resolve, reject });
      if (this.writers < this.maxWriters) {
        const writer = this.drain().finally(() => this.writing.delete(writer));
        this.writing.add(writer);
      }
    });
  }

  /** Stops sweeping and waits for the reports being written. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await Promise.all([...this.writing, this.sweeping]);
  }

  private async drain(): Promise<void> {
    this.writers++;
    // The last look at the queue and the decrement happen in one go: a report queued after it
    // finds a free writer.
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        try {
          await this.applyAll(batch.flatMap((w) => w.reports));
          for (const w of batch) w.resolve();
        } catch (err) {
          if (batch.length === 1) {
            this.log.error({ err }, 'applying delivery reports failed');
            (batch[0] as Waiting).reject(err);
            continue;
          }
          // One request's failure must not fail the others it was grouped with.
          for (const w of batch) {
            await this.applyAll(w.reports).then(w.resolve, (e: unknown) => {
              this.log.error({ err: e }, 'applying delivery reports failed');
              w.reject(e);
            });
          }
        }
      }
    } finally {
      this.writers--;
    }
  }

  private take(): Waiting[] {
    const batch = [this.queue.shift() as Waiting];
    let count = batch[0]?.reports.length ?? 0;
    while (this.queue.length > 0 && count + (this.queue[0] as Waiting).reports.length <= this.maxBatch) {
      const next = this.queue.shift() as Waiting;
      count += next.reports.length;
      batch.push(next);
    }
    return batch;
  }

  /**
   * One transaction: the unknown reports stored, the others applied in the order of their ids
   * (two batches in flight then lock the same refs in the same order, not into a deadlock) and,
   * for one id, in arrival order.
   */
  private async applyAll(reports: UnmatchedReceipt[]): Promise<void> {
    const ordered = reports.toSorted(
      (a, b) =>
        a.providerId.localeCompare(b.providerId) || (a.forms[0] ?? '').localeCompare(b.forms[0] ?? ''),
    );
    await this.db.transaction().execute(async (trx) => {
      await durableCommit(trx);
      const unknown: UnmatchedReceipt[] = [];
      for (const r of ordered) {
        if ((await applyReceipt(trx, r.providerId, r.receipt, r.forms)) === 'unknown') unknown.push(r);
      }
      await storeUnmatched(trx, unknown);
      if (unknown.length > 0)
        this.log.debug({ count: unknown.length }, 'delivery reports for messages not recorded yet; kept');
    });
  }

  /** Applies stored reports whose message is now recorded; drops the expired ones. */
  private async sweep(): Promise<void> {
    try {
      let taken: number;
      do {
        taken = await this.db.transaction().execute(async (trx) => {
          await durableCommit(trx);
          const matched = await takeMatched(trx, this.maxBatch);
          for (const r of matched) await applyReceipt(trx, r.providerId, r.receipt, r.forms);
          return matched.length;
        });
        if (taken > 0) this.log.debug({ count: taken }, 'applied delivery reports that came early');
      } while (taken === this.maxBatch);
      if (Date.now() - this.lastExpiry >= expireEveryMs) {
        this.lastExpiry = Date.now();
        const expired = await expireUnmatched(this.db);
        if (expired > 0)
          this.log.warn({ count: expired }, 'delivery reports for unknown messages expired unapplied');
      }
      this.sweepFailing = false;
    } catch (err) {
      // Once per outage, not every second of it.
      if (!this.sweepFailing) this.log.error({ err }, 'applying stored delivery reports failed');
      this.sweepFailing = true;
    }
  }
}

/**
 * The worker's pool commits asynchronously; a report answered 2xx must survive a crash of
 * PostgreSQL too, so these transactions wait for the WAL flush whatever the pool says.
 */
async function durableCommit(trx: Kysely<Database>): Promise<void> {
  await sql`SET LOCAL synchronous_commit = on`.execute(trx);
}
