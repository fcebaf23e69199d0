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
import type { Secrets } from '../secrets/index.ts';
import { channels } from '../vocabulary.ts';
import { answer, errorAnswers, noContent } from './schemas.ts';

export interface ProvidersDeps {
  db: Kysely<Database>;
  secrets: Secrets;
  publicUrl: () => string;
  /** What provider settings may point at (baseUrl, SMTP url, SMPP host). */
  destinations: DestinationPolicy;
}

const providerSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    channel: z.enum(channels),
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

const idParams = z.object({
  id: z.string().min(1).max(100).meta({ description: 'The provider id (prov_…) or name.' }),
});

const notFound = { 404: 'No provider of this project has this id or name.' };
const providerList = z.object({ data: z.array(providerSchema) }).meta({ id: 'ProviderList' });
const whatsappTemplateList = z
  .object({ data: z.array(whatsappTemplateSchema) })
  .meta({ id: 'WhatsAppTemplateList' });

export async function providerRoutes(app: FastifyInstance, deps: ProvidersDeps) {
  const { db, secrets, destinations } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const view = (row: Parameters<typeof providerView>[0]) => providerView(row, deps.publicUrl());
  const tags = ['providers'];

  r.get(
    '/v1/providers',
    {
      schema: {
        operationId: 'listProviders',
        summary: "The project's providers, per channel in failover order",
        description:
          'Without providers of its own, a channel uses the installation default (AVISO_SMTP_URL for email) or the capture provider.',
        tags,
        querystring: z.object({ channel: z.enum(channels).optional() }),
        response: { 200: answer('The providers, secrets masked.', providerList) },
      },
    },
    async (request) => ({
      data: (await listProviders(db, secrets, request.auth.projectId, request.query.channel)).map(view),
    }),
  );

  r.post(
    '/v1/providers',
    {
      schema: {
        operationId: 'createProvider',
        summary: 'Add a provider',
        description:
          'Its settings are checked against its type (see `config`). Workers pick it up at once, in `position` order. ' +
          'A baseUrl, SMTP url or SMPP host must resolve to a public address unless AVISO_ALLOW_PRIVATE_DESTINATIONS=true (422 provider_url_not_allowed).',
        tags,
        body: providerInputSchema,
        response: {
          201: answer('The provider, secrets masked.', providerSchema),
          ...errorAnswers({ 409: 'The project has a provider with this name already.' }),
        },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(view(await createProvider(db, secrets, request.auth.projectId, request.body, destinations))),
  );

  r.get(
    '/v1/providers/:id',
    {
      schema: {
        operationId: 'getProvider',
        summary: 'One provider',
        description: 'Its settings with secrets masked, and the callback URL to give the provider.',
        tags,
        params: idParams,
        response: { 200: answer('The provider, secrets masked.', providerSchema), ...errorAnswers(notFound) },
      },
    },
    async (request) => view(await getProvider(db, secrets, request.auth.projectId, request.params.id)),
  );

  r.patch(
    '/v1/providers/:id',
    {
      schema: {
        operationId: 'updateProvider',
        summary: 'Change a provider',
        description:
          'Changes only the fields given. `config` is merged into the stored settings, so secrets need not be sent again.',
        tags,
        params: idParams,
        body: providerPatchSchema,
        response: {
          200: answer('The provider as changed, secrets masked.', providerSchema),
          ...errorAnswers({ ...notFound, 409: 'The project has a provider with this name already.' }),
        },
      },
    },
    async (request) =>
      view(
        await updateProvider(
          db,
          secrets,
          request.auth.projectId,
          request.params.id,
          request.body,
          destinations,
        ),
      ),
  );

  r.delete(
    '/v1/providers/:id',
    {
      schema: {
        operationId: 'deleteProvider',
        summary: 'Remove a provider',
        description: 'Messages not yet sent go out through the next provider of the channel.',
        tags,
        params: idParams,
        response: { 204: noContent('Removed.'), ...errorAnswers(notFound) },
      },
    },
    async (request, reply) => {
      await deleteProvider(db, secrets, request.auth.projectId, request.params.id);
      return reply.code(204).send(null);
    },
  );

  r.get(
    '/v1/providers/:id/whatsapp-templates',
    {
      schema: {
        operationId: 'listWhatsAppTemplates',
        summary: 'The WhatsApp templates known from the last sync',
        description: 'Empty until the first sync (POST …/whatsapp-templates/sync).',
        tags,
        params: idParams,
        response: {
          200: answer('The templates, as last synced.', whatsappTemplateList),
          ...errorAnswers(notFound),
        },
      },
    },
    async (request) => {
      const provider = await getProvider(db, secrets, request.auth.projectId, request.params.id);
      return { data: await listWhatsAppTemplates(db, provider) };
    },
  );

  r.post(
    '/v1/providers/:id/whatsapp-templates/sync',
    {
      schema: {
        operationId: 'syncWhatsAppTemplates',
        summary: 'Fetch the templates from WhatsApp',
        description:
          'Reads the approved templates (statuses, parameters) from the WhatsApp Business account, so sends are checked when accepted.',
        tags,
        params: idParams,
        response: {
          200: answer('The templates, as now synced.', whatsappTemplateList),
          ...errorAnswers({
            ...notFound,
            502: 'WhatsApp refused or failed the request (its answer is in the message).',
          }),
        },
      },
    },
    async (request) => {
      const provider = await getProvider(db, secrets, request.auth.projectId, request.params.id);
      await syncWhatsAppTemplates(db, provider, destinations);
      return { data: await listWhatsAppTemplates(db, provider) };
    },
  );
}
