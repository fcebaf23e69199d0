// The delivery worker's loop: claims due jobs and dispatches each to a send slot, where it is
// built (outgoing.ts), handed to the project's providers for the channel in failover order
// (routing.ts), decided (outcome.ts) and written (outcome-writer.ts). Two lanes share one
// process: the general lane takes any job, most urgent first; the urgent lane has slots only
// high-priority jobs may use, so a 2FA code never waits for a bulk send to finish.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { priorities } from '../messages/index.ts';
import { Housekeeping } from './housekeeping.ts';
import { expiredOutcome, failureOutcome, type OutcomePolicy, sentOutcome } from './outcome.ts';
import { OutcomeWriter, type WorkerOutcome } from './outcome-writer.ts';
import { OutgoingBuilder, type OutgoingOptions } from './outgoing.ts';
import { PairPacer } from './pair-pacing.ts';
import type { ProviderRegistry } from './providers.ts';
import { type ClaimedJob, claimJobs, postponeJob } from './queue.ts';
import { sendWithFailover } from './routing.ts';
import { WorkerSession } from './worker-session.ts';

export interface WorkerOptions extends OutgoingOptions {
  concurrency: number;
  urgentConcurrency: number;
  pollMs: number;
  leaseSeconds: number;
  retry: OutcomePolicy;
}

interface Lane {
  name: string;
  slots: number;
  onlyPriority?: number;
  inFlight: number;
  wakePending: boolean;
  wake?: () => void;
  done?: Promise<void>;
}

const claimRetryMs = 1000;

export class DeliveryWorker {
  private running = false;
  private readonly lanes: Lane[];
  private readonly session: WorkerSession;
  private readonly housekeeping: Housekeeping;
  private readonly outgoing: OutgoingBuilder;
  private readonly outcomes: OutcomeWriter;
  private readonly pairs: PairPacer;
  /** Set while stop() waits for the last sends. */
  private drained?: () => void;

  constructor(
    private readonly db: Kysely<Database>,
    databaseUrl: string,
    private readonly providers: ProviderRegistry,
    private readonly options: WorkerOptions,
    private readonly log: Logger,
  ) {
    const urgent: Lane = {
      name: 'urgent',
      slots: options.urgentConcurrency,
      onlyPriority: priorities.high,
      inFlight: 0,
      wakePending: false,
    };
    const general: Lane = { name: 'general', slots: options.concurrency, inFlight: 0, wakePending: false };
    this.lanes = [urgent, general];
    const wakeAll = () => {
      for (const lane of this.lanes) this.wake(lane);
    };
    this.session = new WorkerSession(
      databaseUrl,
      {
        urgentJob: wakeAll,
        job: () => this.wake(general),
        providersChanged: () => {
          providers.invalidate();
          providers.prune().catch((err: unknown) => log.error({ err }, 'closing removed providers failed'));
        },
      },
      log,
    );
    this.housekeeping = new Housekeeping(db, wakeAll, log);
    this.outgoing = new OutgoingBuilder(db, options);
    this.outcomes = new OutcomeWriter(db, log);
    this.pairs = new PairPacer(db, (err) => log.warn({ err }, 'WhatsApp pair pacing not updated'));
  }

  get id(): string {
    return this.session.id;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.outcomes.reopen();
    await this.session.start();
    this.running = true;
    await this.housekeeping.start();
    for (const lane of this.lanes) lane.done = this.runLane(lane);
    this.log.info({ workerId: this.id, concurrency: this.options.concurrency }, 'worker started');
  }

  /** Stops claiming, lets in-flight sends finish (up to `graceMs`), records their outcomes. */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.housekeeping.stop();
    for (const lane of this.lanes) this.wake(lane);
    await Promise.all(this.lanes.map((l) => l.done));
    const deadline = Date.now() + graceMs;
    while (this.inFlight() > 0 && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        this.drained = resolve;
        setTimeout(resolve, 100);
      });
      this.drained = undefined;
    }
    if (this.inFlight() > 0) {
      this.log.warn({ inFlight: this.inFlight() }, 'worker stopped with sends or outcomes unfinished');
      this.outcomes.abandon();
    }
    await this.session.stop();
    this.log.info({ workerId: this.id }, 'worker stopped');
  }

  private inFlight(): number {
    return this.lanes.reduce((n, l) => n + l.inFlight, 0);
  }

  private wake(lane: Lane): void {
    lane.wakePending = true;
    lane.wake?.();
  }

  private async runLane(lane: Lane): Promise<void> {
    // Claim in batches: wait until a quarter of the slots are free unless nothing runs.
    const batch = Math.max(1, Math.floor(lane.slots / 4));
    while (this.running) {
      const free = lane.slots - lane.inFlight;
      lane.wakePending = false;
      if (free >= batch || (free > 0 && lane.inFlight === 0)) {
        const claimedBy = this.id;
        let jobs: ClaimedJob[] = [];
        try {
          jobs = await claimJobs(this.db, claimedBy, free, this.options.leaseSeconds, lane.onlyPriority);
        } catch (err) {
          this.log.error({ err, lane: lane.name }, 'claiming jobs failed');
          await sleep(claimRetryMs);
          continue;
        }
        for (const job of jobs) {
          lane.inFlight++;
          void this.deliver(job, claimedBy).finally(() => {
            lane.inFlight--;
            this.wake(lane);
            if (this.inFlight() === 0) this.drained?.();
          });
        }
        if (jobs.length === free) continue;
      }
      if (lane.wakePending) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.pollMs);
        lane.wake = () => {
          clearTimeout(timer);
          lane.wake = undefined;
          resolve();
        };
      });
    }
  }

  /** One send slot: build, send, decide; the slot stays taken until the outcome is written. */
  private async deliver(job: ClaimedJob, claimedBy: string): Promise<void> {
    let outcome: WorkerOutcome;
    let header: string | null = null;
    const { channel } = job;
    try {
      if (job.valid_until && job.valid_until.getTime() <= Date.now()) {
        outcome = expiredOutcome(job, null, 'validFor ran out before it could be sent', new Date());
      } else {
        if (channel === 'whatsapp' && (await this.paced(job, claimedBy))) return;
        const message = await this.outgoing.build(job);
        if ('messageIdHeader' in message) header = message.messageIdHeader;
        const routes = await this.providers.routes(job.project_id, channel);
        const sent = await sendWithFailover(routes, message, job.priority);
        if (channel === 'whatsapp') await this.pairs.sent(job.project_id, job.to_address);
        const route = { name: sent.route.name, id: sent.route.id };
        outcome = sentOutcome(job, route, header, sent.result, sent.failedOver, new Date());
      }
    } catch (err) {
      const decided = failureOutcome(job, err, header, this.options.retry, new Date());
      if (decided.unexpected !== undefined) {
        this.log.error({ err: decided.unexpected, messageId: job.id }, 'unexpected delivery error');
      }
      outcome = decided.bounce
        ? { ...decided.outcome, bounce: { job, hard: decided.bounce.hard } }
        : decided.outcome;
    }
    this.log.debug(
      { messageId: job.id, projectId: job.project_id, status: outcome.status },
      'delivery attempt',
    );
    // A crash can leave at most as many sent-but-unrecorded messages (to be sent again) as the
    // worker has slots.
    await this.outcomes.write(outcome, claimedBy);
  }

  /** WhatsApp's pair limit: a recipient who got a message seconds ago waits, unrecorded. */
  private async paced(job: ClaimedJob, claimedBy: string): Promise<boolean> {
    const next = await this.pairs.turn(job.project_id, job.to_address);
    if (next) await postponeJob(this.db, claimedBy, job.job_id, next);
    return next !== null;
  }
}
