// The webhook dispatcher: polls for due deliveries (the trigger that queues them does not
// NOTIFY, so that accepting messages never waits for it), sends each as a signed request with
// a bounded number in flight, logs every attempt and schedules retries; a delivery out of
// retries fails, and disables its endpoint if that endpoint has not answered well since. Any
// number of dispatchers may run on one database: claims keep them off each other's rows.

import { setTimeout as sleep } from 'node:timers/promises';
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { type HostLookup, RequestAborted, webhookDestinations } from '../net/index.ts';
import { type Secrets, webhookSecretPlace } from '../secrets/index.ts';
import {
  type ClaimedDelivery,
  claimDeliveries,
  disableIfFailing,
  recordAttempt,
  releaseClaim,
} from './delivery-queue.ts';
import { eventPayload } from './payload.ts';
import { nextWebhookAttemptAt } from './retry-schedule.ts';
import { type AttemptResult, describeAttempt, sendWebhook } from './send-webhook.ts';
import { webhookMessageId } from './sign.ts';

export type WebhookConfig = Pick<
  Config,
  'webhookRetrySeconds' | 'webhookTimeoutSeconds' | 'webhooksAllowPrivate' | 'allowPrivateDestinations'
>;

export interface WebhookDispatcherOptions {
  /** Requests in flight at most. Default 16. */
  concurrency?: number;
  /** How often an idle dispatcher looks for due deliveries. Default 250 ms. */
  pollMs?: number;
  /** How long a claim is held; must outlast a request. Default: the timeout + 30 s. */
  leaseSeconds?: number;
  /** Resolves webhook hosts (tests); default the system resolver. */
  lookup?: HostLookup;
}

export class WebhookDispatcher {
  private running = false;
  private loop?: Promise<void>;
  private wakePending = false;
  private wakeLoop?: () => void;
  // Each request in flight has its own controller: one signal shared by all of them would
  // collect a listener per request (Node warns past 10 as a likely leak).
  private readonly inFlight = new Map<Promise<void>, AbortController>();
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly leaseSeconds: number;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly secrets: Secrets,
    private readonly config: WebhookConfig,
    private readonly log: Logger,
    private readonly options: WebhookDispatcherOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
    this.pollMs = options.pollMs ?? 250;
    this.leaseSeconds = options.leaseSeconds ?? Math.ceil(config.webhookTimeoutSeconds) + 30;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
    this.log.info({ concurrency: this.concurrency }, 'webhook dispatcher started');
  }

  /**
   * Stops claiming and waits up to `graceMs` for requests in flight; then aborts the rest.
   * Claims not attempted (aborted, or not yet started) are given back for the next dispatcher.
   */
  async stop(graceMs = 30_000): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.wake();
    await this.loop;
    const deadline = Date.now() + graceMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) {
      await Promise.race([
        Promise.all(this.inFlight.keys()),
        sleep(Math.max(0, Math.min(100, deadline - Date.now()))),
      ]);
    }
    if (this.inFlight.size > 0) {
      this.log.warn(
        { inFlight: this.inFlight.size },
        'webhook requests aborted at stop; they will be sent again',
      );
      for (const controller of this.inFlight.values()) controller.abort();
      await Promise.all(this.inFlight.keys());
    }
    this.log.info('webhook dispatcher stopped');
  }

  private wake(): void {
    this.wakePending = true;
    this.wakeLoop?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.wakePending = false;
      const free = this.concurrency - this.inFlight.size;
      if (free > 0) {
        let claimed: ClaimedDelivery[] = [];
        try {
          claimed = await claimDeliveries(this.db, free, this.leaseSeconds);
        } catch (err) {
          this.log.error({ err }, 'claiming webhook deliveries failed');
          await sleep(1000);
          continue;
        }
        for (const claim of claimed) {
          const controller = new AbortController();
          const task: Promise<void> = this.deliver(claim, controller.signal).finally(() => {
            this.inFlight.delete(task);
            this.wake();
          });
          this.inFlight.set(task, controller);
        }
        if (claimed.length === free) continue;
      }
      if (this.wakePending) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollMs);
        this.wakeLoop = () => {
          clearTimeout(timer);
          this.wakeLoop = undefined;
          resolve();
        };
      });
    }
  }

  private async deliver(claim: ClaimedDelivery, signal: AbortSignal): Promise<void> {
    const context = {
      projectId: claim.projectId,
      endpointId: claim.endpointId,
      deliveryId: claim.id,
      eventId: claim.eventId,
    };
    try {
      if (!this.running) return await releaseClaim(this.db, claim);
      let result: AttemptResult;
      if (claim.event) {
        try {
          // Opened here, per delivery: a secret that does not open fails this delivery only.
          const secret = this.secrets.open(claim.secret, webhookSecretPlace(claim.endpointId));
          result = await sendWebhook(
            { url: claim.url, secret },
            webhookMessageId(claim.eventId),
            JSON.stringify(eventPayload(claim.event)),
            {
              destinations: { ...webhookDestinations(this.config), lookup: this.options.lookup },
              timeoutMs: this.config.webhookTimeoutSeconds * 1000,
              signal,
            },
          );
        } catch (err) {
          if (err instanceof RequestAborted) return await releaseClaim(this.db, claim);
          throw err;
        }
      } else {
        result = {
          attemptedAt: new Date(),
          statusCode: null,
          latencyMs: 0,
          responseSnippet: null,
          error: 'The event no longer exists (its message was deleted); nothing to send.',
          succeeded: false,
        };
      }
      await this.record(claim, result, context);
    } catch (err) {
      // The claim's lease runs out and the delivery is tried again: at least once, never lost.
      this.log.error({ err, ...context }, 'webhook delivery failed unexpectedly');
    }
  }

  private async record(
    claim: ClaimedDelivery,
    result: AttemptResult,
    context: Record<string, string>,
  ): Promise<void> {
    const attempts = claim.attempts + 1;
    const nextAttemptAt =
      result.succeeded || !claim.event
        ? null
        : nextWebhookAttemptAt(this.config.webhookRetrySeconds, attempts, new Date(), {
            retryAfterMs: result.retryAfterMs,
          });
    const status = result.succeeded ? 'succeeded' : nextAttemptAt ? 'pending' : 'failed';
    const recorded = await recordAttempt(this.db, claim, result, { status, nextAttemptAt });
    if (!recorded) {
      this.log.warn(context, 'webhook delivery lease lost before its attempt was recorded');
      return;
    }
    const outcome = { ...context, attempt: attempts, status, statusCode: result.statusCode };
    if (status === 'succeeded') this.log.debug(outcome, 'webhook delivered');
    else this.log.info({ ...outcome, error: result.error, nextAttemptAt }, 'webhook attempt failed');
    if (status === 'failed') {
      const reason = await disableIfFailing(this.db, claim.id, claim.endpointId, describeAttempt(result));
      if (reason) this.log.warn({ ...context, reason }, 'webhook endpoint disabled');
    }
  }
}
