// Replays: send past events to an endpoint again (a receiver lost data, or a new endpoint
// wants history). They become new deliveries marked `replay`, dispatched like any other and
// signed with the event's usual webhook-id, so receivers that deduplicate still can.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import type { Secrets } from '../secrets/index.ts';
import { getWebhookEndpoint } from './endpoints.ts';

export const maxReplayDays = 31;
/** Events one range replay may queue. */
const maxReplayEvents = 100_000;

export interface ReplayRange {
  since: Date;
  until: Date;
  /** Absent: the event types the endpoint subscribes to. */
  eventTypes?: string[];
}

/** An event id as the payload shows it ("123") or as its webhook-id ("evt_123"). */
function parseEventId(text: string): string {
  const digits = text.replace(/^evt_/, '');
  if (!/^\d{1,18}$/.test(digits))
    throw new ApiError(
      'event_not_found',
      `"${text}" is not an event id (the "data.id" of a webhook).`,
      'eventId',
    );
  return digits;
}

/** Queues one event of the project to the endpoint again. Returns 1. */
export async function replayEvent(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  endpointId: string,
  eventIdText: string,
): Promise<number> {
  const endpoint = await getWebhookEndpoint(db, secrets, projectId, endpointId);
  const eventId = parseEventId(eventIdText);
  const queued = await db
    .insertInto('webhook_deliveries')
    .columns(['endpoint_id', 'project_id', 'event_id', 'message_id', 'replay'])
    .expression((eb) =>
      eb
        .selectFrom('message_events')
        .select([
          eb.val(endpoint.id).as('endpoint_id'),
          'project_id',
          'id',
          'message_id',
          sql<boolean>`true`.as('replay'),
        ])
        .where('project_id', '=', projectId)
        .where('id', '=', eventId),
    )
    .returning('id')
    .executeTakeFirst();
  if (!queued) throw new ApiError('event_not_found', `No event ${eventIdText} in this project.`, 'eventId');
  return 1;
}

/** Queues every event of the project in [since, until), oldest first. Returns how many. */
export async function replayRange(
  db: Kysely<Database>,
  secrets: Secrets,
  projectId: string,
  endpointId: string,
  range: ReplayRange,
): Promise<number> {
  const endpoint = await getWebhookEndpoint(db, secrets, projectId, endpointId);
  if (range.since >= range.until)
    throw new ApiError('replay_range_invalid', '"since" must be before "until".', 'until');
  if (range.until.getTime() - range.since.getTime() > maxReplayDays * 86_400_000)
    throw new ApiError('replay_range_invalid', `Replay at most ${maxReplayDays} days at a time.`, 'until');
  const types = range.eventTypes ?? endpoint.eventTypes;
  const matching = sql`
    e.project_id = ${projectId} AND e.created_at >= ${range.since} AND e.created_at < ${range.until}
    AND (cardinality(${types}::text[]) = 0 OR e.type = ANY (${types}::text[]))`;
  const { rows: counted } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM (
      SELECT 1 FROM message_events e WHERE ${matching} LIMIT ${maxReplayEvents + 1}) x
  `.execute(db);
  if ((counted[0]?.n ?? 0) > maxReplayEvents)
    throw new ApiError(
      'replay_too_large',
      `More than ${maxReplayEvents} events in this range; replay a shorter one.`,
      'since',
    );
  const { rows } = await sql<{ n: number }>`
    WITH queued AS (
      INSERT INTO webhook_deliveries (endpoint_id, project_id, event_id, message_id, replay)
      SELECT ${endpoint.id}, e.project_id, e.id, e.message_id, true
      FROM message_events e WHERE ${matching}
      ORDER BY e.id
      RETURNING 1
    )
    SELECT count(*)::int AS n FROM queued
  `.execute(db);
  return rows[0]?.n ?? 0;
}
