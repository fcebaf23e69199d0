// /v1/providers: the project's ways out per channel (SMTP, Twilio, Vonage, SMPP, WhatsApp
// Cloud API, capture), in failover order, and for WhatsApp the approved templates synced from
// Meta. Secrets are write-only: answers show their last characters.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import type { DestinationPolicy } from '../net/index.ts';
import {
  createProvider,
  deleteProvider,
  getProvider,
  listProviders,
  listWhatsAppTemplates,
  providerInputSchema,
  providerPatchSchema,
  providerView,
  syncWhatsAppTemplates,
  updateProvider,
} from '../providers/index.ts';
import { errorResponses } from './schemas.ts';

export interface ProvidersDeps {
  db: Kysely<Database>;
  publicUrl: () => string;
  /** What provider settings may point at (baseUrl, SMTP url, SMPP host). */
  destinations: DestinationPolicy;
}

const providerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    channel: z.enum(['email', 'sms', 'whatsapp']),
    type: z.string(),
    position: z.number().int().meta({ description: 'Lower goes first; the next one is the failover.' }),
    enabled: z.boolean(),
    rateLimit: z.number().nullable().meta({ description: 'Messages per second per worker; null: no limit.' }),
    config: z.record(z.string(), z.unknown()).meta({ description: 'Settings, secrets masked.' }),
    callbackUrl: z.string().nullable().meta({
      description:
        'Where the provider reports back: Twilio and Vonage get it with each message; for WhatsApp, enter it as the webhook URL of the Meta app (with the verifyToken).',
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Provider' });

const whatsappTemplateSchema = z
  .object({
    name: z.string(),
    language: z.string(),
    status: z.string().meta({ examples: ['APPROVED', 'PENDING', 'REJECTED', 'PAUSED', 'DISABLED'] }),
    category: z.string().nullable(),
    parameters: z.object({ header: z.number(), body: z.number(), buttons: z.number() }),
    syncedAt: z.string(),
  })
  .meta({ id: 'WhatsAppTemplate' });

const idParams = z.object({ id: z.string().meta({ description: 'The provider id (prov_…) or name.' }) });

export async function providerRoutes(app: FastifyInstance, deps: ProvidersDeps) {
  const { db, destinations } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const view = (row: Parameters<typeof providerView>[0]) => providerView(row, deps.publicUrl());
  const tags = ['providers'];

  r.get(
    '/v1/providers',
    {
      schema: {
        summary: "The project's providers, per channel in failover order",
        tags,
        querystring: z.object({ channel: z.enum(['email', 'sms', 'whatsapp']).optional() }),
        response: { 200: z.object({ data: z.array(providerSchema) }), ...errorResponses },
      },
    },
    async (request) => ({
      data: (await listProviders(db, request.auth.projectId, request.query.channel)).map(view),
    }),
  );

  r.post(
    '/v1/providers',
    {
      schema: {
        summary: 'Add a provider',
        description:
          'A baseUrl, SMTP url or SMPP host must resolve to a public address unless AVISO_ALLOW_PRIVATE_DESTINATIONS=true (422 provider_url_not_allowed).',
        tags,
        body: providerInputSchema,
        response: { 201: providerSchema, ...errorResponses },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(view(await createProvider(db, request.auth.projectId, request.body, destinations))),
  );

  r.get(
    '/v1/providers/:id',
    {
      schema: {
        summary: 'One provider',
        tags,
        params: idParams,
        response: { 200: providerSchema, ...errorResponses },
      },
    },
    async (request) => view(await getProvider(db, request.auth.projectId, request.params.id)),
  );

  r.patch(
    '/v1/providers/:id',
    {
      schema: {
        summary: 'Change a provider (config is merged: secrets need not be sent again)',
        tags,
        params: idParams,
        body: providerPatchSchema,
        response: { 200: providerSchema, ...errorResponses },
      },
    },
    async (request) =>
      view(await updateProvider(db, request.auth.projectId, request.params.id, request.body, destinations)),
  );

  r.delete(
    '/v1/providers/:id',
    {
      schema: {
        summary: 'Remove a provider',
        tags,
        params: idParams,
        response: { 204: z.null(), ...errorResponses },
      },
    },
    async (request, reply) => {
      await deleteProvider(db, request.auth.projectId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/v1/providers/:id/whatsapp-templates',
    {
      schema: {
        summary: 'The WhatsApp templates known from the last sync',
        tags,
        params: idParams,
        response: { 200: z.object({ data: z.array(whatsappTemplateSchema) }), ...errorResponses },
      },
    },
    async (request) => {
      const provider = await getProvider(db, request.auth.projectId, request.params.id);
      return { data: await listWhatsAppTemplates(db, provider) };
    },
  );

  r.post(
    '/v1/providers/:id/whatsapp-templates/sync',
    {
      schema: {
        summary:
          'Fetch the templates from WhatsApp (statuses, parameters) so sends are checked when accepted',
        tags,
        params: idParams,
        response: {
          200: z.object({ data: z.array(whatsappTemplateSchema) }),
          ...errorResponses,
          502: errorResponses[400],
        },
      },
    },
    async (request) => {
      const provider = await getProvider(db, request.auth.projectId, request.params.id);
      await syncWhatsAppTemplates(db, provider, destinations);
      return { data: await listWhatsAppTemplates(db, provider) };
    },
  );
}
