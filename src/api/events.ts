// GET /v1/events: what happened to the project's messages, across messages: newest first
// with a cursor for browsing, or oldest first after a known event id for following along
// (a poller that keeps the last id it saw misses nothing and sees nothing twice).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { eventTypes, oneTag } from '../messages/index.ts';
import { type Channel, channels, isOneOf } from '../vocabulary.ts';
import { answer, errorAnswers } from './schemas.ts';

const eventSchema = z
  .object({
    id: z.string().meta({ description: 'Increases with time; the same id as the webhook’s data.id.' }),
    type: z.string().meta({ examples: ['delivered', 'bounced', 'opened'] }),
    at: z.string(),
    messageId: z.string(),
    channel: z.enum(channels),
    stream: z.string(),
    to: z.string().meta({ description: 'The recipient: an address or an E.164 number.' }),
    template: z.string().nullable(),
    tags: z.array(z.string()),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'Event' });

const idPattern = /^\d{1,19}$/;

/** What the handler accepts for `type`: known event types, separated by commas (spaces allowed). */
const typeListPattern = `^\\s*(?:(?:${eventTypes.join('|')})\\s*)?(?:,\\s*(?:(?:${eventTypes.join('|')})\\s*)?)*$`;

export async function eventRoutes(app: FastifyInstance, deps: { db: Kysely<Database> }) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/v1/events',
    {
      schema: {
        operationId: 'listEvents',
        summary: 'Events across messages',
        description:
          'Newest first, paged with `cursor`. To follow new events, pass `after` (the last id you saw): events come oldest first from there.',
        tags: ['events'],
        querystring: z.strictObject({
          type: z.string().optional().meta({
            description: 'Comma-separated event types, e.g. "bounced,complained".',
            pattern: typeListPattern,
          }),
          messageId: z.string().optional(),
          to: z.string().optional().meta({ description: 'Exact recipient.' }),
          tag: z.string().optional(),
          since: z.iso.datetime({ offset: true }).optional().meta({ description: 'At or after.' }),
          until: z.iso.datetime({ offset: true }).optional().meta({ description: 'Before.' }),
          after: z
            .string()
            .regex(idPattern)
            .optional()
            .meta({ description: 'Event id: only later events, oldest first.' }),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: z.string().optional().meta({ description: '`nextCursor` of the previous page.' }),
        }),
        response: {
          200: answer(
            'A page of events; `nextCursor` is null on the last page (and always when following with `after`).',
            z
              .object({ data: z.array(eventSchema), nextCursor: z.string().nullable() })
              .meta({ id: 'EventList' }),
          ),
          ...errorAnswers({ 400: 'The cursor is not one this API gave.' }),
        },
      },
    },
    async (request) => {
      const q = request.query;
      const types =
        q.type
          ?.split(',')
          .map((t) => t.trim())
          .filter(Boolean) ?? [];
      const known = types.filter((t) => isOneOf(eventTypes, t));
      const unknown = types.find((t) => !isOneOf(eventTypes, t));
      if (unknown !== undefined) {
        throw new ApiError(
          'invalid_value',
          `Unknown event type "${unknown}" (known: ${eventTypes.join(', ')}).`,
          'type',
        );
      }
      if (q.cursor && q.after) {
        throw new ApiError(
          'conflicting_fields',
          'Give "cursor" (browsing) or "after" (following), not both.',
          'after',
        );
      }
      const cursor = q.cursor ? decodeCursor(q.cursor) : null;
      const ascending = q.after !== undefined;
      let query = db(deps.db).where('e.project_id', '=', request.auth.projectId);
      if (known.length > 0) query = query.where('e.type', 'in', known);
      if (q.messageId) query = query.where('e.message_id', '=', q.messageId);
      if (q.to) query = query.where('m.to_address', '=', q.to);
      if (q.tag) query = query.where('m.tags', '@>', oneTag(q.tag));
      if (q.since) query = query.where('e.created_at', '>=', new Date(q.since));
      if (q.until) query = query.where('e.created_at', '<', new Date(q.until));
      if (q.after) query = query.where('e.id', '>', q.after);
      if (cursor) query = query.where('e.id', '<', cursor);
      const rows = await query
        .orderBy('e.id', ascending ? 'asc' : 'desc')
        .limit(q.limit + 1)
        .execute();
      const page = rows.slice(0, q.limit);
      const last = page.at(-1);
      return {
        data: page.map((e) => ({
          id: String(e.id),
          type: e.type,
          at: e.created_at.toISOString(),
          messageId: e.message_id,
          channel: e.channel as Channel,
          stream: e.stream,
          to: e.to_address,
          template: e.template,
          tags: e.tags,
          details: e.details,
        })),
        nextCursor:
          rows.length > q.limit && last
            ? ascending
              ? null
              : Buffer.from(String(last.id)).toString('base64url')
            : null,
      };
    },
  );
}

function db(database: Kysely<Database>) {
  return database
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
    ]);
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString();
  if (!idPattern.test(id)) throw new ApiError('invalid_cursor', undefined, 'cursor');
  return id;
}
