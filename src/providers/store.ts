// A project's providers, kept in provider_configs: create, read, change, remove. Several
// providers of one channel are tried in `position` order (lowest first), so the second is the
// failover of the first. Views never show secrets, only their last characters. Secret fields
// are stored sealed (secrets/): sealed here before every write, opened in toProviderRow.
import { type Kysely, type Selectable, sql } from 'kysely';
import { z } from 'zod';
import type { Channel } from '../channels/index.ts';
import type { Database, ProviderConfigsTable } from '../db/index.ts';
import { ApiError, parseWith } from '../errors/index.ts';
import { newId } from '../ids/index.ts';
import type { DestinationPolicy } from '../net/index.ts';
import { patchOf } from '../schemas/index.ts';
import { providerSecretPlace, type Secrets } from '../secrets/index.ts';
import { channels } from '../vocabulary.ts';
import { checkDestinations } from './destinations.ts';
import {
  channelsOf,
  defaultRateLimit,
  kindOf,
  maskSecrets,
  type ProviderType,
  providerKinds,
  providerTypeNames,
} from './provider-kinds.ts';

const providerNameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'A provider name is lower-case letters, digits, ".", "_" and "-".');

export const providerInputSchema = z
  .strictObject({
    name: providerNameSchema,
    type: z.enum(providerTypeNames as [ProviderType, ...ProviderType[]]),
    channel: z
      .enum(channels)
      .optional()
      .meta({ description: 'Inferred from the type; needed for capture only.' }),
    position: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .optional()
      .meta({ description: 'Lower goes first; the next one is the failover. Default: after the others.' }),
    enabled: z.boolean().default(true),
    rateLimit: z.number().positive().max(100_000).nullable().optional().meta({
      description:
        'Messages per second per worker; default per type (WhatsApp 80, Vonage 30, SMPP 50, Twilio 100).',
    }),
    config: z
      .record(z.string(), z.unknown())
      .default({})
      .meta({ description: 'Settings of the type (see ProviderSettings).' }),
  })
  .meta({ id: 'ProviderRequest' });

export const providerPatchSchema = patchOf(providerInputSchema.omit({ type: true, channel: true })).meta({
  id: 'ProviderChange',
});

export type ProviderInput = z.output<typeof providerInputSchema>;
export type ProviderPatch = z.output<typeof providerPatchSchema>;

export interface ProviderRow {
  id: string;
  projectId: string;
  name: string;
  channel: Channel;
  type: ProviderType;
  position: number;
  enabled: boolean;
  /** Messages per second; null: unlimited. */
  rateLimit: number | null;
  config: Record<string, unknown>;
  createdAt: Date;
  updatedAt: Date;
}

export interface ProviderView extends Omit<ProviderRow, 'projectId' | 'createdAt' | 'updatedAt' | 'config'> {
  config: Record<string, unknown>;
  /** Where the provider reports back: give it to the provider (WhatsApp: the webhook URL). */
  callbackUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The fields of a type's configuration that are secrets; none for an unknown type. */
export function providerSecretFields(type: string): readonly string[] {
  return kindOf(type)?.secrets ?? [];
}

/** The configuration with each secret field sealed (or opened) for this provider's row. */
function withSecretFields(
  id: string,
  type: string,
  config: Record<string, unknown>,
  convert: (value: string, place: string) => string,
): Record<string, unknown> {
  const out = { ...config };
  for (const field of providerSecretFields(type)) {
    const value = out[field];
    if (typeof value === 'string') out[field] = convert(value, providerSecretPlace(id, field));
  }
  return out;
}

export function toProviderRow(row: Selectable<ProviderConfigsTable>, secrets: Secrets): ProviderRow {
  const type = row.type as ProviderType;
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    channel: row.channel as Channel,
    type,
    position: row.position,
    enabled: row.enabled,
    rateLimit: row.rate_limit ?? defaultRateLimit(type),
    config: withSecretFields(row.id, row.type, row.config, (v, place) => secrets.open(v, place)),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Workers LISTEN here and read the providers again when one is added, changed or removed. */
export const providersChangedChannel = 'aviso_providers';

async function announceChange(db: Kysely<Database>): Promise<void> {
  await sql`SELECT pg_notify(${providersChangedChannel}, '')`.execute(db);
}

/** The URL a provider calls back, or null for kinds without a callback. */
export function callbackUrl(publicUrl: string, provider: { id: string; type: ProviderType }): string | null {
  if (!providerKinds[provider.type].callback) return null;
  return `${publicUrl.replace(/\/+$/, '')}/v1/callbacks/${provider.type}/${provider.id}`;
}

export function providerView(row: ProviderRow, publicUrl: string): ProviderView {
  return {
    id: row.id,
    name: row.name,
    channel: row.channel,
    type: row.type,
    position: row.position,
    enabled: row.enabled,
    rateLimit: row.rateLimit,
    config: maskSecrets(row.type, row.config),
    callbackUrl: callbackUrl(publicUrl, row),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The settings validated, with their destination vetted by the guard (and URLs normalised). */
async function checkConfig(
  type: ProviderType,
  config: unknown,
  destinations: DestinationPolicy,
): Promise<Record<string, unknown>> {
  const valid = parseWith(providerKinds[type].schema, config, ['config']) as Record<string, unknown>;
  return checkDestinations(type, valid, destinations);
}

export async function listProviders(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  channel?: Channel,
): Promise<ProviderRow[]> {
  let q = db.selectFrom('provider_configs').selectAll().where('project_id', '=', projectId);
  if (channel) q = q.where('channel', '=', channel);
  const rows = await q.orderBy('channel').orderBy('position').orderBy('created_at').execute();
  return rows.map((row) => toProviderRow(row, secrets));
}

/** By id ("prov_…") or by name. */
export async function getProvider(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  idOrName: string,
): Promise<ProviderRow> {
  const row = await db
    .selectFrom('provider_configs')
    .selectAll()
    .where('project_id', '=', projectId)
    .where(idOrName.startsWith('prov_') ? 'id' : 'name', '=', idOrName)
    .executeTakeFirst();
  if (!row) throw new ApiError('provider_not_found', `No provider "${idOrName}" in this project.`);
  return toProviderRow(row, secrets);
}

/** `destinations`: what the provider may connect to (the destination guard's policy). */
export async function createProvider(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  input: ProviderInput,
  destinations: DestinationPolicy,
): Promise<ProviderRow> {
  const channels = channelsOf(input.type);
  const channel = input.channel ?? (channels.length === 1 ? channels[0] : undefined);
  if (!channel) {
    throw new ApiError('field_required', `Say which channel the ${input.type} provider serves.`, 'channel');
  }
  if (!channels.includes(channel)) {
    throw new ApiError(
      'invalid_value',
      `A ${input.type} provider serves ${channels.join(', ')}, not ${channel}.`,
      'channel',
    );
  }
  const config = await checkConfig(input.type, input.config, destinations);
  const position =
    input.position ??
    ((
      await db
        .selectFrom('provider_configs')
        .select((eb) => eb.fn.max('position').as('max'))
        .where('project_id', '=', projectId)
        .where('channel', '=', channel)
        .executeTakeFirst()
    )?.max ?? -1) + 1;
  const id = newId('prov');
  const row = await db
    .insertInto('provider_configs')
    .values({
      id,
      project_id: projectId,
      channel,
      type: input.type,
      name: input.name,
      position,
      enabled: input.enabled,
      rate_limit: input.rateLimit ?? null,
      config: JSON.stringify(withSecretFields(id, input.type, config, (v, place) => secrets.seal(v, place))),
    })
    .onConflict((oc) => oc.columns(['project_id', 'name']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new ApiError('provider_exists', `A provider named "${input.name}" exists already.`, 'name');
  await announceChange(db);
  return toProviderRow(row, secrets);
}

/** Changes what is given; `config` is merged into the stored one (secrets need not be sent again). */
export async function updateProvider(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  idOrName: string,
  patch: ProviderPatch,
  destinations: DestinationPolicy,
): Promise<ProviderRow> {
  const current = await getProvider(db, secrets, projectId, idOrName);
  const config = patch.config
    ? await checkConfig(current.type, { ...current.config, ...patch.config }, destinations)
    : undefined;
  const row = await db
    .updateTable('provider_configs')
    .set({
      ...(patch.name !== undefined ? { name: patch.name } : {}),
      ...(patch.position !== undefined ? { position: patch.position } : {}),
      ...(patch.enabled !== undefined ? { enabled: patch.enabled } : {}),
      ...(patch.rateLimit !== undefined ? { rate_limit: patch.rateLimit } : {}),
      ...(config
        ? {
            config: JSON.stringify(
              withSecretFields(current.id, current.type, config, (v, place) => secrets.seal(v, place)),
            ),
          }
        : {}),
      updated_at: new Date(),
    })
    .where('id', '=', current.id)
    .returningAll()
    .executeTakeFirstOrThrow()
    .catch((err: { code?: string }) => {
      if (err.code === '23505')
        throw new ApiError('provider_exists', `A provider named "${patch.name}" exists already.`, 'name');
      throw err;
    });
  await announceChange(db);
  return toProviderRow(row, secrets);
}

export async function deleteProvider(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  idOrName: string,
): Promise<void> {
  const current = await getProvider(db, secrets, projectId, idOrName);
  await db.deleteFrom('provider_configs').where('id', '=', current.id).execute();
  await announceChange(db);
}
