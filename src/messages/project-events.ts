// Events across a project's messages, for GET /v1/events: newest first with a cursor for
// browsing, or oldest first after a known event id for following along. The answer's zod
// schema is declared here, and the type the query builds is derived from it.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { type Database, decodeCursor, keysetPage } from '../db/index.ts';
import { channels, type EventType, eventTypes, streams } from '../vocabulary.ts';
import { oneTag } from './queries.ts';

export const projectEventSchema = z
  .object({
    id: z.string().meta({ description: 'Increases with time; the same id as the webhook’s data.id.' }),
    type: z.enum(eventTypes).meta({ examples: ['delivered', 'bounced', 'opened'] }),
    at: z.string(),
    messageId: z.string(),
    channel: z.enum(channels),
    stream: z.enum(streams),
    to: z.string().meta({ description: 'The recipient: an address or an E.164 number.' }),
    template: z.string().nullable(),
    tags: z.array(z.string()),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Event' });

export type ProjectEvent = z.output<typeof projectEventSchema>;

/** An event id (bigint) as text: what `after` takes and what a cursor holds. */
export const eventIdPattern = /^\d{1,19}$/;

export interface EventFilter {
  /** Known event types (the route checks them); empty: every type. */
  types: EventType[];
  messageId?: string;
  /** Exact recipient. */
  to?: string;
  tag?: string;
  since?: Date;
  until?: Date;
  /** Following: only events after this id, oldest first, and never a next cursor. */
  after?: string;
  limit: number;
  cursor?: string;
}

export async function listEvents(
  db: Kysely<Database>,
  projectId: string,
  filter: EventFilter,
): Promise<{ data: ProjectEvent[]; nextCursor: string | null }> {
  const cursor = filter.cursor ? decodeCursor(filter.cursor, eventIdPattern) : null;
  const ascending = filter.after !== undefined;
  let query = db
    .selectFrom('message_events as e')
    .innerJoin('messages as m', 'm.id', 'e.message_id')
    .select([
      'e.id',
      'e.type',
      'e.created_at',
      'e.message_id',
      'e.details',
      'm.channel',
      'm.stream',
      'm.to_address',
      'm.template',
      'm.tags',
    ])
    .where('e.project_id', '=', projectId);
  if (filter.types.length > 0) query = query.where('e.type', 'in', filter.types);
  if (filter.messageId) query = query.where('e.message_id', '=', filter.messageId);
  if (filter.to) query = query.where('m.to_address', '=', filter.to);
  if (filter.tag) query = query.where('m.tags', '@>', oneTag(filter.tag));
  if (filter.since) query = query.where('e.created_at', '>=', filter.since);
  if (filter.until) query = query.where('e.created_at', '<', filter.until);
  if (filter.after) query = query.where('e.id', '>', filter.after);
  if (cursor) query = query.where('e.id', '<', cursor);
  const rows = await query
    .orderBy('e.id', ascending ? 'asc' : 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = keysetPage(rows, filter.limit, (e) => String(e.id));
  return {
    data: page.rows.map((e) => ({
      id: String(e.id),
      type: e.type,
      at: e.created_at.toISOString(),
      messageId: e.message_id,
      channel: e.channel,
      stream: e.stream,
      to: e.to_address,
      template: e.template,
      tags: e.tags,
      details: e.details,
    })),
    nextCursor: ascending ? null : page.nextCursor,
  };
}
