// GET /v1/events: what happened to the project's messages, across messages: newest first
// with a cursor for browsing, or oldest first after a known event id for following along
// (a poller that keeps the last id it saw misses nothing and sees nothing twice).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { eventIdPattern, eventTypes, listEvents, projectEventSchema } from '../messages/index.ts';
import { isOneOf } from '../vocabulary.ts';
import { answer, badCursor, cursorField, errorAnswers } from './schemas.ts';

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
            .regex(eventIdPattern)
            .optional()
            .meta({ description: 'Event id: only later events, oldest first.' }),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: cursorField,
        }),
        response: {
          200: answer(
            'A page of events; `nextCursor` is null on the last page (and always when following with `after`).',
            z
              .object({ data: z.array(projectEventSchema), nextCursor: z.string().nullable() })
              .meta({ id: 'EventList' }),
          ),
          ...errorAnswers(badCursor),
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
      return listEvents(deps.db, request.auth.projectId, {
        ...q,
        types: known,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
      });
    },
  );
}
