// The API's own documentation, registered before any route so that every route is in it:
// the OpenAPI document at /openapi.json, Swagger UI at /docs, and the document's front matter
// (title, security, tags). How each route is documented is in openapi.ts.
import swagger, { type FastifyDynamicSwaggerOptions } from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { documentTransform, transform } from './openapi.ts';

/** On the app itself, not in a plugin of its own: swagger sees only the routes of its context. */
export async function registerDocumentation(app: FastifyInstance, publicUrl: () => string): Promise<void> {
  await app.register(swagger, documentOptions(publicUrl));
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** The options of @fastify/swagger: the document's front matter, and the transforms of openapi.ts. */
function documentOptions(publicUrl: () => string): FastifyDynamicSwaggerOptions {
  return {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Aviso API',
        version: '1',
        description:
          'Transactional messaging: email, SMS and WhatsApp from one API. Authenticate with `Authorization: Bearer <API key>` (create one with `npx aviso keys create`). ' +
          'Errors are JSON: `{"error": {"code", "message", "path"}}`.',
        license: { name: 'MIT', identifier: 'MIT' },
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
      tags,
    },
    transform,
    transformObject: documentTransform(publicUrl),
  };
}

const tags = [
  { name: 'messages', description: 'Send and follow messages' },
  { name: 'templates', description: 'Versioned templates: drafts, publish, rollback, previews, test sends' },
  { name: 'layouts', description: 'Versioned header/footer wrappers that templates refer to' },
  {
    name: 'providers',
    description: 'Ways out per channel (SMTP, Twilio, Vonage, SMPP, WhatsApp), in failover order',
  },
  { name: 'events', description: 'Everything that happened to messages, across messages: browse or follow' },
  {
    name: 'suppressions',
    description:
      'Recipients not sent to, per stream: added on hard bounces, complaints, unsubscribes, repeated soft bounces, or by you (one by one or CSV); audited',
  },
  {
    name: 'feedback',
    description: 'Bounces and complaints handed over by a relay (the SMTP listener takes them directly)',
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
  { name: 'health', description: 'Liveness and readiness, for load balancers and orchestrators' },
];
