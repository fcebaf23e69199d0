// A project's webhook endpoints: where its message events are POSTed, which event types each
// one wants, and its signing secret. URLs pass the SSRF guard when saved (and again at each
// delivery). Views carry no secret: it is shown at creation and at GET …/secret only. The
// secret is stored sealed (secrets/) and opened when a row is read.
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database, WebhookEndpointsTable } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { newId } from '../ids/index.ts';
import { eventTypes } from '../messages/index.ts';
import { patchOf } from '../schemas/index.ts';
import { type Secrets, webhookSecretPlace } from '../secrets/index.ts';
import { newWebhookSecret } from './sign.ts';
import { type HostLookup, vetWebhookUrl, WebhookUrlRefused } from './url-guard.ts';

const urlField = z
  .string()
  .min(1)
  .max(2048)
  .meta({
    description: 'http:// or https://; must resolve to a public address.',
    examples: ['https://example.com/aviso'],
    format: 'uri',
    pattern: '^[Hh][Tt][Tt][Pp][Ss]?://',
  });

const eventTypesField = z
  .array(z.enum(eventTypes))
  .max(eventTypes.length)
  .meta({ description: 'The event types to send; empty or absent: all of them.' });

export const webhookInputSchema = z
  .strictObject({
    url: urlField,
    description: z.string().max(500).nullable().optional(),
    eventTypes: eventTypesField.default([]),
  })
  .meta({ id: 'WebhookEndpointRequest' });

export const webhookPatchSchema = patchOf(webhookInputSchema)
  .extend({
    enabled: z.boolean().optional().meta({
      description: 'true re-enables an endpoint disabled after failing; its waiting deliveries resume.',
    }),
  })
  .meta({ id: 'WebhookEndpointChange' });

export type WebhookInput = z.output<typeof webhookInputSchema>;
export type WebhookPatch = z.output<typeof webhookPatchSchema>;

export interface WebhookEndpoint {
  id: string;
  projectId: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  secret: string;
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface WebhookEndpointView {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  enabled: boolean;
  disabledReason: string | null;
  disabledAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** How URLs are checked: the installation's AVISO_WEBHOOKS_ALLOW_PRIVATE, and a resolver. */
export interface UrlPolicy {
  allowPrivate: boolean;
  lookup?: HostLookup;
}

function toEndpoint(row: Selectable<WebhookEndpointsTable>, secrets: Secrets): WebhookEndpoint {
  return {
    id: row.id,
    projectId: row.project_id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    secret: secrets.open(row.secret, webhookSecretPlace(row.id)),
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    disabledAt: row.disabled_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function webhookEndpointView(endpoint: WebhookEndpoint): WebhookEndpointView {
  return {
    id: endpoint.id,
    url: endpoint.url,
    description: endpoint.description,
    eventTypes: endpoint.eventTypes,
    enabled: endpoint.enabled,
    disabledReason: endpoint.disabledReason,
    disabledAt: endpoint.disabledAt?.toISOString() ?? null,
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

/** The guard's refusal as an API error on the `url` field. */
async function checkUrl(url: string, policy: UrlPolicy): Promise<void> {
  try {
    await vetWebhookUrl(url, policy);
  } catch (err) {
    if (err instanceof WebhookUrlRefused) throw new ApiError(err.code, err.message, 'url');
    throw err;
  }
}

const unique = (types: readonly string[]) => [...new Set(types)];

export async function createWebhookEndpoint(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  input: WebhookInput,
  policy: UrlPolicy,
): Promise<WebhookEndpoint> {
  await checkUrl(input.url, policy);
  const id = newId('wh');
  const row = await db
    .insertInto('webhook_endpoints')
    .values({
      id,
      project_id: projectId,
      url: input.url,
      description: input.description ?? null,
      event_types: unique(input.eventTypes),
      secret: secrets.seal(newWebhookSecret(), webhookSecretPlace(id)),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toEndpoint(row, secrets);
}

export async function listWebhookEndpoints(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
): Promise<WebhookEndpoint[]> {
  const rows = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => toEndpoint(row, secrets));
}

export async function getWebhookEndpoint(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  id: string,
): Promise<WebhookEndpoint> {
  const row = await db
    .selectFrom('webhook_endpoints')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) throw new ApiError('webhook_not_found', `No webhook endpoint "${id}" in this project.`);
  return toEndpoint(row, secrets);
}

/** Changes what is given. Enabling clears the reason it was disabled; disabling by hand has none. */
export async function updateWebhookEndpoint(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  id: string,
  patch: WebhookPatch,
  policy: UrlPolicy,
): Promise<WebhookEndpoint> {
  const current = await getWebhookEndpoint(db, secrets, projectId, id);
  if (patch.url !== undefined) await checkUrl(patch.url, policy);
  const enabling = patch.enabled === true && !current.enabled;
  const disabling = patch.enabled === false && current.enabled;
  const row = await db
    .updateTable('webhook_endpoints')
    .set({
      ...(patch.url !== undefined ? { url: patch.url } : {}),
      ...(patch.description !== undefined ? { description: patch.description } : {}),
      ...(patch.eventTypes !== undefined ? { event_types: unique(patch.eventTypes) } : {}),
      ...(enabling ? { enabled: true, disabled_reason: null, disabled_at: null } : {}),
      ...(disabling ? { enabled: false, disabled_reason: null, disabled_at: new Date() } : {}),
      updated_at: new Date(),
    })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toEndpoint(row, secrets);
}

/** Removes the endpoint with its deliveries and attempt log. */
export async function deleteWebhookEndpoint(
  db: Kysely<Database>,
  projectId: string,
  id: string,
): Promise<void> {
  const result = await db
    .deleteFrom('webhook_endpoints')
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (result.numDeletedRows === 0n)
    throw new ApiError('webhook_not_found', `No webhook endpoint "${id}" in this project.`);
}

/** A new secret, effective at once: receivers must switch to it. */
export async function rotateWebhookSecret(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  id: string,
): Promise<WebhookEndpoint> {
  const current = await getWebhookEndpoint(db, secrets, projectId, id);
  const row = await db
    .updateTable('webhook_endpoints')
    .set({ secret: secrets.seal(newWebhookSecret(), webhookSecretPlace(current.id)), updated_at: new Date() })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  return toEndpoint(row, secrets);
}
