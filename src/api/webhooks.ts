// /v1/webhooks: the project's outbound webhook endpoints (Standard Webhooks) and their signing
// secrets. The log of every delivery attempt, replays and the test request are in webhook-log.ts.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { webhookDestinations } from '../net/index.ts';
import type { Secrets } from '../secrets/index.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  webhookEndpointView,
  webhookInputSchema,
  webhookPatchSchema,
} from '../webhooks/index.ts';
import { answer, errorAnswers, noContent } from './schemas.ts';

export interface WebhooksDeps {
  db: Kysely<Database>;
  secrets: Secrets;
  config: Config;
}

const endpointSchema = z
  .object({
    id: z.string().meta({ examples: ['wh_01jd0q8r6f3c9v2k7x5m4n8p1t'] }),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()).meta({ description: 'Empty: every event type.' }),
    enabled: z.boolean(),
    disabledReason: z.string().nullable().meta({
      description: 'Why Aviso disabled the endpoint (every delivery failed for the whole retry period).',
    }),
    disabledAt: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });

const secretField = z.string().meta({
  description:
    'The Standard Webhooks signing secret ("whsec_…"): verify each request\'s webhook-signature with it.',
});

const endpointWithSecretSchema = endpointSchema
  .extend({ secret: secretField })
  .meta({ id: 'WebhookEndpointWithSecret' });

const secretSchema = z.object({ secret: secretField }).meta({ id: 'WebhookSecret' });

export const idParams = z.object({
  id: z.string().min(1).max(100).meta({ description: 'The endpoint id (wh_…).' }),
});

export const notFound = { 404: 'No webhook endpoint of this project has this id.' };

export async function webhookRoutes(app: FastifyInstance, deps: WebhooksDeps) {
  const { db, secrets, config } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['webhooks'];
  const policy = webhookDestinations(config);

  r.get(
    '/v1/webhooks',
    {
      schema: {
        operationId: 'listWebhooks',
        summary: "The project's webhook endpoints",
        description: 'Every endpoint, enabled or not; secrets are not included (GET …/secret).',
        tags,
        response: {
          200: answer(
            'The endpoints.',
            z.object({ data: z.array(endpointSchema) }).meta({ id: 'WebhookEndpointList' }),
          ),
        },
      },
    },
    async (request) => ({
      data: (await listWebhookEndpoints(db, secrets, request.auth.projectId)).map(webhookEndpointView),
    }),
  );

  r.post(
    '/v1/webhooks',
    {
      schema: {
        operationId: 'createWebhook',
        summary: 'Add a webhook endpoint',
        description:
          'Message events are POSTed to the URL as JSON, signed per Standard Webhooks with the secret in the answer. ' +
          'The URL must resolve to a public address unless AVISO_WEBHOOKS_ALLOW_PRIVATE=true or AVISO_ALLOW_PRIVATE_DESTINATIONS=true.',
        tags,
        body: webhookInputSchema,
        response: { 201: answer('The endpoint, with its signing secret.', endpointWithSecretSchema) },
      },
    },
    async (request, reply) => {
      const endpoint = await createWebhookEndpoint(db, secrets, request.auth.projectId, request.body, policy);
      return reply.code(201).send({ ...webhookEndpointView(endpoint), secret: endpoint.secret });
    },
  );

  r.get(
    '/v1/webhooks/:id',
    {
      schema: {
        operationId: 'getWebhook',
        summary: 'One webhook endpoint',
        description: 'Its URL, event types and state (Aviso disables an endpoint that keeps failing).',
        tags,
        params: idParams,
        response: { 200: answer('The endpoint.', endpointSchema), ...errorAnswers(notFound) },
      },
    },
    async (request) =>
      webhookEndpointView(await getWebhookEndpoint(db, secrets, request.auth.projectId, request.params.id)),
  );

  r.patch(
    '/v1/webhooks/:id',
    {
      schema: {
        operationId: 'updateWebhook',
        summary: 'Change a webhook endpoint, or enable it again after Aviso disabled it',
        description: 'Changes only the fields given; a new URL passes the same checks as at creation.',
        tags,
        params: idParams,
        body: webhookPatchSchema,
        response: { 200: answer('The endpoint as changed.', endpointSchema), ...errorAnswers(notFound) },
      },
    },
    async (request) =>
      webhookEndpointView(
        await updateWebhookEndpoint(
          db,
          secrets,
          request.auth.projectId,
          request.params.id,
          request.body,
          policy,
        ),
      ),
  );

  r.delete(
    '/v1/webhooks/:id',
    {
      schema: {
        operationId: 'deleteWebhook',
        summary: 'Remove a webhook endpoint with its pending deliveries and log',
        description: 'Pending deliveries are dropped; nothing more is sent to the URL.',
        tags,
        params: idParams,
        response: { 204: noContent('Removed.'), ...errorAnswers(notFound) },
      },
    },
    async (request, reply) => {
      await deleteWebhookEndpoint(db, request.auth.projectId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/v1/webhooks/:id/secret',
    {
      schema: {
        operationId: 'getWebhookSecret',
        summary: "The endpoint's signing secret",
        description: 'Verify the webhook-signature header of each delivery with it (Standard Webhooks).',
        tags,
        params: idParams,
        response: { 200: answer('The secret.', secretSchema), ...errorAnswers(notFound) },
      },
    },
    async (request) => ({
      secret: (await getWebhookEndpoint(db, secrets, request.auth.projectId, request.params.id)).secret,
    }),
  );

  r.post(
    '/v1/webhooks/:id/secret/rotate',
    {
      schema: {
        operationId: 'rotateWebhookSecret',
        summary: 'Replace the signing secret',
        description: 'Effective at once: deliveries from now on are signed with the new secret only.',
        tags,
        params: idParams,
        response: { 200: answer('The new secret.', secretSchema), ...errorAnswers(notFound) },
      },
    },
    async (request) => ({
      secret: (await rotateWebhookSecret(db, secrets, request.auth.projectId, request.params.id)).secret,
    }),
  );
}
