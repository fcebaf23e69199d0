// What accepting SMS and WhatsApp messages needs to know about the project beyond templates:
// the region for national phone numbers, and for WhatsApp the approved templates (synced from
// Meta) and each contact's 24-hour window and opt-out. Loaded once per request, and only when
// the request has a phone recipient, so email sends pay nothing for it.
import type { Kysely } from 'kysely';
import { parsePhoneNumber } from '../channels/sms/index.ts';
import type { Database } from '../db/index.ts';

interface WhatsAppTemplateInfo {
  status: string;
  parameters: { header: number; body: number; buttons: number };
  /** The approved header's format: TEXT, DOCUMENT, IMAGE, VIDEO, LOCATION; null: no header. */
  headerFormat: string | null;
}

export interface WhatsAppRules {
  /** A WhatsApp provider is configured: without one, messages go to capture unchecked. */
  configured: boolean;
  /** The approved-template list has been synced at least once. */
  synced: boolean;
  /** By `${name}/${language}`. */
  templates: Map<string, WhatsAppTemplateInfo>;
  /** By E.164 number. */
  lastInbound: Map<string, Date>;
  optedOut: Set<string>;
}

export interface ChannelContext {
  /** ISO country for national numbers; null: numbers must be international. */
  defaultRegion: string | null;
  whatsapp: WhatsAppRules;
}

export const noChannelContext: ChannelContext = {
  defaultRegion: null,
  whatsapp: {
    configured: false,
    synced: false,
    templates: new Map(),
    lastInbound: new Map(),
    optedOut: new Set(),
  },
};

/** `numbers`: the phone recipients as written; they are normalized here to find contacts. */
export async function loadChannelContext(
  db: Kysely<Database>,
  projectId: string,
  numbers: string[],
): Promise<ChannelContext> {
  if (numbers.length === 0) return noChannelContext;
  const project = await db
    .selectFrom('projects')
    .select('default_region')
    .select((eb) =>
      eb
        .selectFrom('provider_configs')
        .select('id')
        .where('project_id', '=', projectId)
        .where('channel', '=', 'whatsapp')
        .where('type', '=', 'whatsapp')
        .where('enabled', '=', true)
        .orderBy('position')
        .orderBy('created_at')
        .limit(1)
        .as('whatsapp_provider'),
    )
    .where('id', '=', projectId)
    .executeTakeFirst();
  const defaultRegion = project?.default_region ?? null;
  const providerId = project?.whatsapp_provider ?? null;
  if (!providerId) return { defaultRegion, whatsapp: noChannelContext.whatsapp };
  const phones = [
    ...new Set(
      numbers.flatMap((n) => {
        const parsed = parsePhoneNumber(n, defaultRegion ?? undefined);
        return parsed.ok ? [parsed.e164] : [];
      }),
    ),
  ];
  const [templates, contacts] = await Promise.all([
    db
      .selectFrom('whatsapp_templates')
      .select(['name', 'language', 'status', 'parameters', 'components'])
      .where('provider_id', '=', providerId)
      .execute(),
    phones.length === 0
      ? Promise.resolve([])
      : db
          .selectFrom('whatsapp_contacts')
          .select(['phone', 'last_inbound_at', 'opted_out_at'])
          .where('project_id', '=', projectId)
          .where('phone', 'in', phones)
          .execute(),
  ]);
  return {
    defaultRegion,
    whatsapp: {
      configured: true,
      synced: templates.length > 0,
      templates: new Map(
        templates.map((t) => [
          `${t.name}/${t.language}`,
          { status: t.status, parameters: t.parameters, headerFormat: headerFormat(t.components) },
        ]),
      ),
      lastInbound: new Map(
        contacts.flatMap((c) => (c.last_inbound_at ? [[c.phone, c.last_inbound_at]] : [])),
      ),
      optedOut: new Set(contacts.flatMap((c) => (c.opted_out_at ? [c.phone] : []))),
    },
  };
}

function headerFormat(components: unknown[]): string | null {
  for (const c of components as { type?: string; format?: string }[]) {
    if (c.type?.toUpperCase() === 'HEADER') return (c.format ?? 'TEXT').toUpperCase();
  }
  return null;
}
