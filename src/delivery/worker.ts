// The delivery worker: claims due jobs, turns each into an outgoing email, SMS or WhatsApp
// message, hands it to the project's providers for the channel (the next one when one fails
// or is down) and records the outcome. Two lanes share one process: the general lane takes
// any job, most urgent first; the urgent lane has slots only high-priority jobs may use, so a
// 2FA code never waits for a bulk send to finish. A message past its validFor is not sent: it
// ends as expired. Outcomes are written in small batches, each in the statement that also
// completes its jobs.
import type { Kysely } from 'kysely';
import pg from 'pg';
import { asciiDomain, dkimKeyFor, domainOf, mailbox, returnPath } from '../channels/email/index.ts';
import type { Channel, OutgoingEmail, OutgoingSms, OutgoingWhatsApp } from '../channels/index.ts';
import type { SmsEncoding } from '../channels/sms/index.ts';
import type { Database } from '../db/index.ts';
import { afterBounce } from '../feedback/index.ts';
import type { Logger } from '../log.ts';
import { priorities, priorityName, purgeIdempotencyKeys } from '../messages/index.ts';
import { providersChangedChannel } from '../providers/index.ts';
import type { Secrets } from '../secrets/index.ts';
import { type LeavingEmail, needsLinks, withFeedbackLinks } from '../tracking/index.ts';
import { expiredOutcome, failureOutcome, type OutcomePolicy, sentOutcome } from './outcome.ts';
import { PairPacer } from './pair-pacing.ts';
import type { ProviderRegistry } from './providers.ts';
import {
  type ClaimedJob,
  channelFor,
  claimJobs,
  type Outcome,
  postponeJob,
  recordOutcomes,
  releaseAbandonedJobs,
  workerLockClass,
} from './queue.ts';
import { sendWithFailover } from './routing.ts';

export interface WorkerOptions {
  concurrency: number;
  urgentConcurrency: number;
  pollMs: number;
  leaseSeconds: number;
  retry: OutcomePolicy;
  /** Domain of the VERP return paths; null: envelope sender = From. */
  bounceDomain: string | null;
  /** Signs return paths (and tracking links). */
  linkSecret: () => Promise<Buffer>;
  /** Opens the DKIM private keys. */
  secrets: Secrets;
  /** Where recipients reach the API: base of tracking and unsubscribe links. */
  publicUrl: () => string;
}

interface PendingOutcome extends Outcome {
  workerId: string;
  /** A recipient refused at send time: the suppression rules apply once it is recorded. */
  bounce?: { job: ClaimedJob; hard: boolean };
  /** Frees the send slot. */
  recorded: () => void;
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

const housekeepingMs = 5_000;

export class DeliveryWorker {
  private workerId = '';
  private listener?: pg.Client;
  private running = false;
  private readonly lanes: Lane[];
  private pending: PendingOutcome[] = [];
  private flushing = false;
  /** Set when stop() gives up on outcomes it cannot write; their jobs will be sent again. */
  private abandoned = false;
  private housekeeping?: NodeJS.Timeout;
  private lastPurge = 0;
  private readonly dkimCache = new Map<string, { key: OutgoingEmail['dkim']; until: number }>();
  private readonly pairs: PairPacer;
  /** Set while stop() waits for the last sends. */
  private drained?: () => void;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly databaseUrl: string,
    private readonly providers: ProviderRegistry,
    private readonly options: WorkerOptions,
    private readonly log: Logger,
  ) {
    this.pairs = new PairPacer(db, (err) => log.warn({ err }, 'WhatsApp pair pacing not updated'));
    this.lanes = [
      {
        name: 'urgent',
        slots: options.urgentConcurrency,
        onlyPriority: priorities.high,
        inFlight: 0,
        wakePending: false,
      },
      { name: 'general', slots: options.concurrency, inFlight: 0, wakePending: false },
    ];
  }

  get id(): string {
    return this.workerId;
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.abandoned = false;
    await this.connectListener();
    this.running = true;
    await releaseAbandonedJobs(this.db);
    this.housekeeping = setInterval(() => void this.houseKeep(), housekeepingMs);
    for (const lane of this.lanes) lane.done = this.runLane(lane);
    this.log.info({ workerId: this.workerId, concurrency: this.options.concurrency }, 'worker started');
  }

  /** Stops claiming, lets in-flight sends finish (up to `graceMs`), records their outcomes. */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearInterval(this.housekeeping);
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
      // Jobs whose outcome is not written stay claimed by this worker; once its session ends
      // another worker releases and sends them again (at least once, never lost).
      this.log.warn({ inFlight: this.inFlight() }, 'worker stopped with sends or outcomes unfinished');
      this.abandoned = true;
      for (const p of this.pending.splice(0)) p.recorded();
    }
    await this.listener?.end().catch(() => {});
    this.log.info({ workerId: this.workerId }, 'worker stopped');
  }

  private inFlight(): number {
    return this.lanes.reduce((n, l) => n + l.inFlight, 0);
  }

  /**
   * A dedicated session: it holds the advisory lock that tells others this worker lives, and
   * LISTENs for new jobs. If it drops, the worker takes a new id (its old claims will be
   * released by whoever notices) and goes on.
   */
  private async connectListener(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, keepAlive: true });
    // While the session opens, its errors reach the caller, which retries. Once it is live, the
    // first error replaces it, once: a session lost with its server reports more than one.
    let live = false;
    let id = '';
    client.on('error', (err) => {
      if (!live) return;
      live = false;
      this.log.error({ err, workerId: id }, 'worker session lost; reconnecting');
      client.end().catch(() => {});
      void this.reconnect();
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ id: string }>("SELECT nextval('worker_ids')::text AS id");
      id = (rows[0] as { id: string }).id;
      await client.query('SELECT pg_advisory_lock($1, $2::int)', [workerLockClass, id]);
      await client.query(`LISTEN ${channelFor.any}`);
      await client.query(`LISTEN ${channelFor.high}`);
      await client.query(`LISTEN ${providersChangedChannel}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    client.on('notification', (n) => {
      if (n.channel === providersChangedChannel) {
        this.providers.invalidate();
        this.providers
          .prune()
          .catch((err: unknown) => this.log.error({ err }, 'closing removed providers failed'));
      } else if (n.channel === channelFor.high) for (const lane of this.lanes) this.wake(lane);
      else this.wake(this.lanes[1] as Lane);
    });
    live = true;
    this.listener = client;
    this.workerId = id;
  }

  private async reconnect(): Promise<void> {
    while (this.running) {
      try {
        await this.connectListener();
        return;
      } catch (err) {
        this.log.error({ err }, 'worker reconnect failed');
        await sleep(1000);
      }
    }
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
        let jobs: ClaimedJob[] = [];
        try {
          jobs = await claimJobs(this.db, this.workerId, free, this.options.leaseSeconds, lane.onlyPriority);
        } catch (err) {
          this.log.error({ err, lane: lane.name }, 'claiming jobs failed');
          await sleep(1000);
          continue;
        }
        const claimedBy = this.workerId;
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

  private async deliver(job: ClaimedJob, claimedBy: string): Promise<void> {
    let outcome: Outcome & Pick<PendingOutcome, 'bounce'>;
    let header: string | null = null;
    const channel = job.channel as Channel;
    try {
      if (job.valid_until && job.valid_until.getTime() <= Date.now()) {
        outcome = expiredOutcome(job, null, 'validFor ran out before it could be sent', new Date());
      } else {
        if (channel === 'whatsapp' && (await this.paced(job, claimedBy))) return;
        const message = await this.outgoing(job);
        if ('messageIdHeader' in message) header = message.messageIdHeader;
        const routes = await this.providers.routes(job.project_id, channel);
        const sent = await sendWithFailover(routes, message, job.priority);
        if (channel === 'whatsapp') await this.pairs.sent(job.project_id, job.to_address);
        outcome = sentOutcome(
          job,
          { name: sent.route.name, id: sent.route.id },
          header,
          sent.result,
          sent.failedOver,
          new Date(),
        );
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
    // The slot stays taken until the outcome is written, so a crash can leave at most as
    // many sent-but-unrecorded messages (to be sent again) as the worker has slots.
    await new Promise<void>((recorded) => {
      // After stop() gave up, nothing will write it: the job is re-sent by another worker.
      if (this.abandoned) return recorded();
      this.pending.push({ ...outcome, workerId: claimedBy, recorded });
      if (!this.flushing) void this.flush();
    });
  }

  /** WhatsApp's pair limit: a recipient who got a message seconds ago waits, unrecorded. */
  private async paced(job: ClaimedJob, claimedBy: string): Promise<boolean> {
    const next = await this.pairs.turn(job.project_id, job.to_address);
    if (next) await postponeJob(this.db, claimedBy, job.job_id, next);
    return next !== null;
  }

  private outgoing(job: ClaimedJob): Promise<OutgoingEmail> | OutgoingSms | OutgoingWhatsApp {
    const common = {
      id: job.id,
      projectId: job.project_id,
      priority: priorityName(job.priority),
      to: job.to_address,
      validUntil: job.valid_until,
    };
    if (job.channel === 'sms') {
      return {
        ...common,
        from: job.from_address,
        text: job.text_body ?? '',
        encoding: (job.encoding ?? 'GSM-7') as SmsEncoding,
        segments: job.segments ?? 1,
      };
    }
    if (job.channel === 'whatsapp') {
      return {
        ...common,
        template: (job.payload?.template as OutgoingWhatsApp['template']) ?? null,
        text: job.payload ? null : job.text_body,
      };
    }
    return this.outgoingEmail(job);
  }

  private async outgoingEmail(job: ClaimedJob): Promise<OutgoingEmail> {
    const fromAddress = job.from_address ?? '';
    // A-labels: Message-IDs are ASCII, and DKIM keys are kept under the A-label name.
    const fromDomain = asciiDomain(domainOf(fromAddress));
    const attachments =
      job.attachment_count === 0
        ? []
        : await this.db
            .selectFrom('message_attachments')
            .select(['filename', 'content_type', 'content_id', 'content'])
            .where('message_id', '=', job.id)
            .orderBy('position')
            .execute();
    const leaving: LeavingEmail = {
      id: job.id,
      stream: job.stream,
      html: job.html,
      text: job.text_body,
      headers: job.headers,
      trackOpens: job.track_opens,
      trackClicks: job.track_clicks,
    };
    const { html, text, headers } = needsLinks(leaving)
      ? withFeedbackLinks(leaving, {
          secret: await this.options.linkSecret(),
          baseUrl: this.options.publicUrl(),
          mailtoDomain: this.options.bounceDomain,
        })
      : leaving;
    return {
      id: job.id,
      projectId: job.project_id,
      priority: priorityName(job.priority),
      from: mailbox(fromAddress, job.from_name),
      to: mailbox(job.to_address, job.to_name),
      replyTo: job.reply_to,
      subject: job.subject ?? '',
      html,
      text,
      headers,
      attachments: attachments.map((a) => ({
        filename: a.filename,
        contentType: a.content_type,
        contentId: a.content_id,
        content: a.content,
      })),
      messageIdHeader: `<${job.id}@${fromDomain}>`,
      returnPath: this.options.bounceDomain
        ? returnPath(job.id, this.options.bounceDomain, await this.options.linkSecret())
        : null,
      dkim: await this.dkim(job.project_id, fromDomain),
    };
  }

  private async dkim(projectId: string, domain: string): Promise<OutgoingEmail['dkim']> {
    const cacheKey = `${projectId}/${domain}`;
    const hit = this.dkimCache.get(cacheKey);
    if (hit && hit.until > Date.now()) return hit.key;
    const key = await dkimKeyFor(this.db, this.options.secrets, projectId, domain);
    this.dkimCache.set(cacheKey, { key, until: Date.now() + 60_000 });
    return key;
  }

  /**
   * Writes pending outcomes, all that are waiting in one statement, and keeps going while
   * more arrive: batches grow with load and cost nothing when idle (group commit). On a
   * database error it keeps the outcomes and tries again.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.pending.length > 0 && !this.abandoned) {
        const batch = this.pending.splice(0, 500);
        const byWorker = new Map<string, PendingOutcome[]>();
        for (const o of batch) {
          const list = byWorker.get(o.workerId);
          if (list) list.push(o);
          else byWorker.set(o.workerId, [o]);
        }
        try {
          for (const [workerId, outcomes] of byWorker) await recordOutcomes(this.db, workerId, outcomes);
          for (const o of batch) o.recorded();
          await this.suppressBounced(batch);
        } catch (err) {
          this.log.error({ err, outcomes: batch.length }, 'recording outcomes failed; retrying');
          this.pending.unshift(...batch);
          await sleep(500);
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
  private async suppressBounced(batch: PendingOutcome[]): Promise<void> {
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

  private async houseKeep(): Promise<void> {
    try {
      const released = await releaseAbandonedJobs(this.db);
      if (released > 0) this.log.warn({ released }, 'released jobs of a worker that is gone');
      if (released > 0) for (const lane of this.lanes) this.wake(lane);
      if (Date.now() - this.lastPurge > 3_600_000) {
        this.lastPurge = Date.now();
        await purgeIdempotencyKeys(this.db);
      }
    } catch (err) {
      this.log.error({ err }, 'housekeeping failed');
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
