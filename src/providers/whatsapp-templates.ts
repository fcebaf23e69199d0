// The approved WhatsApp templates, synced from Meta. Sends are checked against this list when
// accepted: a template that is missing, not approved for the language, paused, or that takes
// other parameters than Aviso's template gives is refused then, not when WhatsApp says so.
import type { Kysely } from 'kysely';
import { DestinationNotAllowedError } from '../channels/index.ts';
import { fetchTemplates } from '../channels/whatsapp/index.ts';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import type { DestinationPolicy } from '../net/index.ts';
import { type ProviderSettings, providerKinds } from './provider-kinds.ts';
import type { ProviderRow } from './store.ts';

export interface WhatsAppTemplateView {
  name: string;
  language: string;
  status: string;
  category: string | null;
  parameters: { header: number; body: number; buttons: number };
  syncedAt: string;
}

function whatsappOnly(provider: ProviderRow): ProviderSettings<'whatsapp'> {
  if (provider.type !== 'whatsapp') {
    throw new ApiError(
      'invalid_value',
      `"${provider.name}" is a ${provider.type} provider, not WhatsApp.`,
      'id',
    );
  }
  return providerKinds.whatsapp.schema.parse(provider.config);
}

/** Replaces the stored list with WhatsApp's; returns how many templates it has. */
export async function syncWhatsAppTemplates(
  db: Kysely<Database>,
  provider: ProviderRow,
  destinations: DestinationPolicy,
): Promise<number> {
  const config = whatsappOnly(provider);
  let templates: Awaited<ReturnType<typeof fetchTemplates>>;
  try {
    templates = await fetchTemplates({ ...config, destinations });
  } catch (err) {
    // Settings saved before the guard existed: the same answer as when saving them now.
    if (err instanceof Error && err.cause instanceof DestinationNotAllowedError)
      throw new ApiError('provider_url_not_allowed', err.cause.message, 'config.baseUrl');
    throw new ApiError(
      'provider_error',
      `WhatsApp did not give the template list: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('whatsapp_templates').where('provider_id', '=', provider.id).execute();
    if (templates.length === 0) return;
    await trx
      .insertInto('whatsapp_templates')
      .values(
        templates.map((t) => ({
          provider_id: provider.id,
          project_id: provider.projectId,
          name: t.name,
          language: t.language,
          status: t.status,
          category: t.category ?? null,
          parameters: JSON.stringify(t.parameters),
          components: JSON.stringify(t.components),
        })),
      )
      .onConflict((oc) => oc.columns(['provider_id', 'name', 'language']).doNothing())
      .execute();
  });
  return templates.length;
}

export async function listWhatsAppTemplates(
  db: Kysely<Database>,
  provider: ProviderRow,
): Promise<WhatsAppTemplateView[]> {
  whatsappOnly(provider);
  const rows = await db
    .selectFrom('whatsapp_templates')
    .selectAll()
    .where('provider_id', '=', provider.id)
    .orderBy('name')
    .orderBy('language')
    .execute();
  return rows.map((r) => ({
    name: r.name,
    language: r.language,
    status: r.status,
    category: r.category,
    parameters: r.parameters,
    syncedAt: r.synced_at.toISOString(),
  }));
}
