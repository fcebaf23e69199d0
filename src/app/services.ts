// Runs the long-lived parts: the HTTP API and/or the delivery worker, on one database, until
// SIGINT or SIGTERM. Shutdown order: stop taking requests, let in-flight sends finish and
// record them, close providers, then the database (the embedded server last of all).
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { buildApi } from '../api/index.ts';
import { type Config, ConfigError } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { connect } from '../db/index.ts';
import { DeliveryWorker, jobNotifier, ProviderRegistry, ReceiptApplier } from '../delivery/index.ts';
import { type BounceListener, handleInboundMail, startBounceListener } from '../feedback/index.ts';
import type { Logger } from '../log.ts';
import { installationSecret } from '../settings/index.ts';
import { WebhookDispatcher } from '../webhooks/index.ts';
import { type OpenAviso, openAviso } from './open.ts';

export interface RunningServices {
  aviso: OpenAviso;
  api?: FastifyInstance;
  url?: string;
  worker?: DeliveryWorker;
  /** The inbound SMTP listener for bounces, when AVISO_BOUNCE_SMTP_PORT is set. */
  bounces?: BounceListener;
  stop(): Promise<void>;
}

export async function startServices(
  config: Config,
  log: Logger,
  parts: { api: boolean; worker: boolean },
): Promise<RunningServices> {
  if (parts.api && config.bounceSmtpPort !== undefined && !config.bounceDomain) {
    throw new ConfigError(
      'AVISO_BOUNCE_SMTP_PORT',
      'the bounce listener needs AVISO_BOUNCE_DOMAIN, the domain it takes mail for',
    );
  }
  const aviso = await openAviso(config, {
    poolSize: parts.api ? 20 : 2,
    log: (line) => log.info(line),
    supervise: {
      limit: config.pgRestarts,
      windowMs: config.pgRestartWindowSeconds * 1000,
      graceMs: config.pgGraceSeconds * 1000,
      firstDelayMs: 1000,
      maxDelayMs: 30_000,
      checkEveryMs: 500,
      warn: (line) => log.warn(line),
    },
  });
  const { secrets } = aviso;
  let api: FastifyInstance | undefined;
  let worker: DeliveryWorker | undefined;
  let workerDb: Kysely<Database> | undefined;
  let providers: ProviderRegistry | undefined;
  let receipts: ReceiptApplier | undefined;
  let webhooks: WebhookDispatcher | undefined;
  let bounces: BounceListener | undefined;
  // The shutdown order: stop taking mail and requests, let in-flight sends finish and record
  // them, stop the webhook dispatcher, close providers and the receipt applier, then the
  // database (the embedded server last of all). Also what a failed start undoes.
  const shutDown = async () => {
    await bounces?.close();
    await api?.close();
    await worker?.stop();
    await webhooks?.stop();
    await providers?.close();
    await receipts?.close();
    await workerDb?.destroy();
    await aviso.close();
  };
  let url: string | undefined;
  // Where providers call back: configured, else where the API listens (known after listen).
  let publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
  try {
    if (parts.worker) {
      // The worker's writes (claims, captured MIME) may use asynchronous commit: losing the
      // last ones in a PostgreSQL crash only means the messages in its slots are sent again.
      // Outcomes and delivery reports commit synchronously all the same (recordOutcomes,
      // ReceiptApplier); accepted messages are always committed synchronously, on the other pool.
      workerDb = connect(aviso.url, { poolSize: 10, asyncCommit: true, log: (line) => log.warn(line) }).db;
      const applier = new ReceiptApplier(workerDb, log);
      applier.start();
      receipts = applier;
      providers = new ProviderRegistry(workerDb, {
        config,
        secrets,
        publicUrl: () => publicUrl,
        onReceipts: (providerId, list, idForms) => applier.apply(providerId, list, idForms),
        log,
      });
      worker = new DeliveryWorker(
        workerDb,
        aviso.url,
        providers,
        {
          concurrency: config.workerConcurrency,
          urgentConcurrency: config.workerUrgentConcurrency,
          pollMs: config.workerPollMs,
          leaseSeconds: config.jobLeaseSeconds,
          retry: {
            baseMs: config.retryBaseSeconds * 1000,
            maxMs: config.retryMaxSeconds * 1000,
            horizonMs: {
              email: config.emailRetryHorizonSeconds * 1000,
              sms: config.smsRetryHorizonSeconds * 1000,
              whatsapp: config.whatsappRetryHorizonSeconds * 1000,
            },
          },
          bounceDomain: config.bounceDomain ?? null,
          linkSecret: () => installationSecret(aviso.db, secrets),
          secrets,
          publicUrl: () => publicUrl,
        },
        log,
      );
      await worker.start();
      await providers.startPersistent();
      webhooks = new WebhookDispatcher(workerDb, secrets, config, log);
      webhooks.start();
    }
    if (parts.api) {
      api = await buildApi({
        db: aviso.db,
        secrets,
        config,
        log,
        notify: jobNotifier(aviso.db, log),
        publicUrl: () => publicUrl,
        liveness: () => aviso.embedded?.problem() ?? null,
      });
      url = await api.listen({ host: config.host, port: config.port });
      if (!config.publicUrl) publicUrl = url;
      if (config.bounceSmtpPort !== undefined && config.bounceDomain) {
        const inbound = {
          db: aviso.db,
          bounceDomain: config.bounceDomain,
          secret: () => installationSecret(aviso.db, secrets),
        };
        bounces = await startBounceListener({
          host: config.bounceSmtpHost,
          port: config.bounceSmtpPort,
          domain: config.bounceDomain,
          handle: async (raw, recipients) => {
            const { report, outcomes } = await handleInboundMail(inbound, raw, recipients);
            for (const o of outcomes) {
              if ('ignored' in o && o.ignored)
                log.info(
                  { recipient: o.recipient, kind: report?.kind, ignored: o.ignored },
                  'inbound mail: nothing recorded',
                );
            }
          },
          log,
        });
      }
    }
  } catch (err) {
    await shutDown();
    throw err;
  }
  let stopping: Promise<void> | undefined;
  return {
    aviso,
    api,
    url,
    worker,
    bounces,
    stop() {
      stopping ??= shutDown();
      return stopping;
    },
  };
}
