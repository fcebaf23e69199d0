// A project's webhook endpoints: where its message events are POSTed, which event types each
// one wants, and its signing secret. URLs pass the SSRF guard when saved (and again at each
// delivery) and are stored as parsed (URL.href), never as typed. Views carry no secret: it is
// shown at creation and at GET …/secret only. The secret is stored sealed (secrets/) and opened
// when a row is read.
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database, WebhookEndpointsTable } from '../db/index.ts';
import { ApiError, type ErrorCode } from '../errors/index.ts';
import { newId } from '../ids/index.ts';
import { eventTypes } from '../messages/index.ts';
import {
  type DestinationPolicy,
  type DestinationProblem,
  DestinationRefused,
  vetHttpUrl,
} from '../net/index.ts';
import { patchOf } from '../schemas/index.ts';
import { type Secrets, webhookSecretPlace } from '../secrets/index.ts';
import { newWebhookSecret } from './sign.ts';

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

const codes: Record<DestinationProblem, ErrorCode> = {
  invalid: 'webhook_url_invalid',
  not_allowed: 'webhook_url_not_allowed',
  unresolvable: 'webhook_url_unresolvable',
};

/** The URL to store (as parsed), or the guard's refusal as an API error on the `url` field. */
async function checkUrl(url: string, policy: DestinationPolicy): Promise<string> {
  try {
    return (await vetHttpUrl(url, policy, 'A webhook URL')).url.href;
  } catch (err) {
    if (err instanceof DestinationRefused) throw new ApiError(codes[err.problem], err.message, 'url');
    throw err;
  }
}

const unique = <T>(types: readonly T[]) => [...new Set(types)];

export async function createWebhookEndpoint(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  input: WebhookInput,
  policy: DestinationPolicy,
): Promise<WebhookEndpoint> {
  const url = await checkUrl(input.url, policy);
  const id = newId('wh');
  const row = await db
    .insertInto('webhook_endpoints')
    .values({
      id,
      project_id: projectId,
      url,
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
  policy: DestinationPolicy,
): Promise<WebhookEndpoint> {
  const current = await getWebhookEndpoint(db, secrets, projectId, id);
  const url = patch.url === undefined ? undefined : await checkUrl(patch.url, policy);
  const enabling = patch.enabled === true && !current.enabled;
  const disabling = patch.enabled === false && current.enabled;
  const row = await db
    .updateTable('webhook_endpoints')
    .set({
      ...(url !== undefined ? { url } : {}),
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
