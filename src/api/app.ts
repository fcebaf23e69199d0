// The HTTP API, assembled. Reads like a table of contents: error model, docs, health, then
// the authenticated /v1 resources.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { ReceiptApplier } from '../delivery/index.ts';
import type { Logger } from '../log.ts';
import { keyAuthenticator } from '../projects/index.ts';
import { installationSecret } from '../settings/index.ts';
import { registerAuth } from './auth.ts';
import { callbackRoutes } from './callbacks.ts';
import { registerErrorHandler } from './error-handler.ts';
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
import { webhookRoutes } from './webhooks.ts';

export interface ApiDeps {
  db: Kysely<Database>;
  config: Config;
  log: Logger;
  notify: (priority: number) => void;
  /** The URL providers reach this API at (callbacks). */
  publicUrl: () => string;
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
    trustProxy: deps.config.trustProxy,
  });
  // JSON only: a text/plain body is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  app.setValidatorCompiler(zodValidatorCompiler);
  // Responses are built by our own code from typed values: serialise without re-validating.
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  registerErrorHandler(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Aviso API',
        version: '1',
        description:
          'Transactional messaging. Authenticate with `Authorization: Bearer <API key>` (create one with `npx aviso keys create`). ' +
          'Errors are JSON: `{"error": {"code", "message", "path"}}`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'messages', description: 'Send and follow messages' },
        {
          name: 'templates',
          description: 'Versioned templates: drafts, publish, rollback, previews, test sends',
        },
        { name: 'layouts', description: 'Versioned header/footer wrappers that templates refer to' },
        {
          name: 'providers',
          description: 'Ways out per channel (SMTP, Twilio, Vonage, SMPP, WhatsApp), in failover order',
        },
        {
          name: 'events',
          description: 'Everything that happened to messages, across messages: browse or follow',
        },
        {
          name: 'suppressions',
          description:
            'Recipients not sent to, per stream: added on hard bounces, complaints, unsubscribes, repeated soft bounces, or by you (one by one or CSV); audited',
        },
        {
          name: 'feedback',
          description:
            'Bounces and complaints handed over by a relay (the SMTP listener takes them directly)',
        },
        { name: 'project', description: 'Tracking defaults and the soft-bounce rule' },
        {
          name: 'webhooks',
          description:
            'Message events POSTed to your endpoints, signed per Standard Webhooks; retries, delivery log, replays',
        },
        {
          name: 'callbacks',
          description:
            'Where providers report deliveries: public, but each request must carry the provider’s signature (else 403)',
        },
        {
          name: 'tracking',
          description:
            'Where recipients’ mail clients go: open pixel, click redirects, unsubscribe. Public; the signed token in the path is the credential',
        },
      ],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  await app.register(healthRoutes, { db: deps.db });
  const receipts = new ReceiptApplier(deps.db, deps.log);
  receipts.start();
  app.addHook('onClose', async () => receipts.close());
  await app.register(callbackRoutes, { db: deps.db, receipts, publicUrl: deps.publicUrl, log: deps.log });
  await app.register(trackingRoutes, { db: deps.db, log: deps.log });
  await app.register(async (v1) => {
    registerAuth(v1, keyAuthenticator(deps.db));
    await v1.register(messageRoutes, { db: deps.db, config: deps.config, notify: deps.notify });
    await v1.register(templateRoutes, { db: deps.db, config: deps.config, notify: deps.notify });
    await v1.register(providerRoutes, { db: deps.db, publicUrl: deps.publicUrl });
    await v1.register(webhookRoutes, { db: deps.db, config: deps.config });
    await v1.register(eventRoutes, { db: deps.db });
    await v1.register(suppressionRoutes, { db: deps.db });
    await v1.register(inboundRoutes, {
      db: deps.db,
      bounceDomain: deps.config.bounceDomain ?? null,
      secret: () => installationSecret(deps.db),
    });
    await v1.register(projectRoutes, { db: deps.db });
  });
  return app;
}
