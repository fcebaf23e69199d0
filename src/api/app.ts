// The HTTP API, assembled. Reads like a table of contents: error model, docs, health, then
// the authenticated /v1 resources.
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { ReceiptApplier } from '../delivery/index.ts';
import type { Logger } from '../log.ts';
import { providerDestinations } from '../net/index.ts';
import { keyAuthenticator } from '../projects/index.ts';
import type { Secrets } from '../secrets/index.ts';
import { installationSecret } from '../settings/index.ts';
import { registerAuth } from './auth.ts';
import { callbackRoutes } from './callbacks.ts';
import { registerDocumentation } from './documentation.ts';
import { frameworkError, registerErrorHandler } from './error-handler.ts';
import { eventRoutes } from './events.ts';
import { healthRoutes } from './health.ts';
import { inboundRoutes } from './inbound.ts';
import { messageRoutes } from './messages.ts';
import { projectRoutes } from './project.ts';
import { providerRoutes } from './providers.ts';
import { suppressionRoutes } from './suppressions.ts';
import { templateRoutes } from './templates.ts';
import { trackingRoutes } from './tracking.ts';
import { zodValidatorCompiler } from './validation.ts';
import { webhookLogRoutes } from './webhook-log.ts';
import { webhookRoutes } from './webhooks.ts';

export interface ApiDeps {
  db: Kysely<Database>;
  /** Seals and opens the stored secrets (provider credentials, webhook secrets, link key). */
  secrets: Secrets;
  config: Config;
  log: Logger;
  notify: (priority: number) => void;
  /** The URL providers reach this API at (callbacks). */
  publicUrl: () => string;
  /** Why the process cannot serve (its embedded database stays down), or null: /healthz. */
  liveness?: () => string | null;
}

/** Room for the attachment limit once base64-encoded (4/3), plus the rest of the message. */
const singleBodyLimit = (config: Config) => Math.ceil((config.maxAttachmentBytes * 4) / 3) + 12 * 1024 * 1024;

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // Per-request lines would dominate the log at thousands of messages a second.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: singleBodyLimit(deps.config),
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    return503OnClosing: true,
    // Suppression addresses and tokens travel in the path; longer parts get a 414 in our envelope.
    routerOptions: { maxParamLength: 1024 },
    frameworkErrors: frameworkError,
    trustProxy: deps.config.trustProxy,
  });
  // JSON only: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(zodValidatorCompiler);
  // Responses are built by our own code from typed values: serialise without re-validating.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerErrorHandler(app);

  await registerDocumentation(app, deps.publicUrl);

  await app.register(healthRoutes, { db: deps.db, liveness: deps.liveness });
  const receipts = new ReceiptApplier(deps.db, deps.log);
  receipts.start();
  app.addHook('onClose', async () => receipts.close());
  await app.register(callbackRoutes, {
    db: deps.db,
    secrets: deps.secrets,
    receipts,
    publicUrl: deps.publicUrl,
    log: deps.log,
  });
  await app.register(trackingRoutes, { db: deps.db, secrets: deps.secrets, log: deps.log });
  await app.register(async (v1) => {
    registerAuth(v1, keyAuthenticator(deps.db));
    await v1.register(messageRoutes, { db: deps.db, config: deps.config, notify: deps.notify });
    await v1.register(templateRoutes, { db: deps.db, config: deps.config, notify: deps.notify });
    await v1.register(providerRoutes, {
      db: deps.db,
      secrets: deps.secrets,
      publicUrl: deps.publicUrl,
      destinations: providerDestinations(deps.config),
    });
    const webhooks = { db: deps.db, secrets: deps.secrets, config: deps.config };
    await v1.register(webhookRoutes, webhooks);
    await v1.register(webhookLogRoutes, webhooks);
    await v1.register(eventRoutes, { db: deps.db });
    await v1.register(suppressionRoutes, { db: deps.db });
    await v1.register(inboundRoutes, {
      db: deps.db,
      bounceDomain: deps.config.bounceDomain ?? null,
      secret: () => installationSecret(deps.db, deps.secrets),
    });
    await v1.register(projectRoutes, { db: deps.db });
  });
  return app;
}
