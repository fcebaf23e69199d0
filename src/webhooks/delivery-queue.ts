// The webhook delivery queue's SQL, in one place. Rows of webhook_deliveries are written by the
// trigger on message_events (or by a replay); dispatchers claim due ones with FOR UPDATE SKIP
// LOCKED (never blocking on, or taking, each other's) and a lease in locked_until. The lease's
// exact value is the claim's token: an outcome is written only while the row still carries it,
// so a dispatcher that lost its lease (it stalled past it, another one took over) writes
// nothing. Two dispatchers never send the same delivery at once.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/index.ts';
import type { EventWithMessage } from './payload.ts';
import { roughDuration } from './retry-schedule.ts';

export interface ClaimedDelivery {
  id: string;
  endpointId: string;
  projectId: string;
  eventId: string;
  /** Attempts made before this one. */
  attempts: number;
  /** The claim's token: locked_until as PostgreSQL wrote it, to the microsecond. */
  lease: string;
  url: string;
  /** The signing secret as stored: sealed (the dispatcher opens it). */
  secret: string;
  /** null if the event is gone (its message was deleted): the delivery then fails. */
  event: EventWithMessage | null;
}

interface ClaimRow {
  id: string;
  endpoint_id: string;
  project_id: string;
  event_id: string;
  attempts: number;
  lease: string;
  url: string;
  secret: string;
  event_type: string | null;
  event_at: Date | null;
  details: Record<string, unknown> | null;
  message_id: string | null;
  channel: string | null;
  stream: string | null;
  to_address: string | null;
  template: string | null;
  tags: string[] | null;
  metadata: Record<string, unknown> | null;
}

/**
 * Claims up to `limit` due deliveries of enabled endpoints, oldest due first, with the event
 * and message each one sends. A delivery is not due while an older delivery of the same
 * endpoint and message is pending (index webhook_deliveries_order): receivers get a message's
 * events in the order they happened, even when one of them needs retries.
 */
export async function claimDeliveries(
  db: Kysely<Database>,
  limit: number,
  leaseSeconds: number,
): Promise<ClaimedDelivery[]> {
  const { rows } = await sql<ClaimRow>`
    WITH picked AS (
      SELECT d.id FROM webhook_deliveries d
      JOIN webhook_endpoints w ON w.id = d.endpoint_id
      WHERE d.status = 'pending' AND d.next_attempt_at <= now()
        AND (d.locked_until IS NULL OR d.locked_until < now())
        AND w.enabled
        AND NOT EXISTS (
          SELECT 1 FROM webhook_deliveries older
          WHERE older.endpoint_id = d.endpoint_id AND older.message_id = d.message_id
            AND older.status = 'pending' AND older.id < d.id)
      ORDER BY d.next_attempt_at, d.id
      LIMIT ${limit}
      FOR UPDATE OF d SKIP LOCKED
    ), claimed AS (
      UPDATE webhook_deliveries d SET locked_until = now() + make_interval(secs => ${leaseSeconds})
      FROM picked WHERE d.id = picked.id
      RETURNING d.id, d.endpoint_id, d.project_id, d.event_id, d.attempts, d.locked_until::text AS lease
    )
    SELECT c.*, w.url, w.secret, e.type AS event_type, e.created_at AS event_at, e.details,
      m.id AS message_id, m.channel, m.stream, m.to_address, m.template, m.tags, m.metadata
    FROM claimed c
    JOIN webhook_endpoints w ON w.id = c.endpoint_id
    LEFT JOIN message_events e ON e.id = c.event_id
    LEFT JOIN messages m ON m.id = e.message_id
    ORDER BY c.id
  `.execute(db);
  return rows.map((r) => ({
    id: r.id,
    endpointId: r.endpoint_id,
    projectId: r.project_id,
    eventId: r.event_id,
    attempts: r.attempts,
    lease: r.lease,
    url: r.url,
    secret: r.secret,
    event:
      r.event_type !== null && r.message_id !== null
        ? {
            event_id: r.event_id,
            event_type: r.event_type,
            event_at: r.event_at as Date,
            details: r.details ?? {},
            message_id: r.message_id,
            channel: r.channel ?? '',
            stream: r.stream ?? '',
            to_address: r.to_address ?? '',
            template: r.template,
            tags: r.tags ?? [],
            metadata: r.metadata ?? {},
          }
        : null,
  }));
}

export interface AttemptRecord {
  attemptedAt: Date;
  statusCode: number | null;
  latencyMs: number;
  responseSnippet: string | null;
  error: string | null;
}

// PostgreSQL text cannot hold NUL; an answer may.
const storable = (text: string | null) => (text === null ? null : text.replaceAll('\u0000', ''));

/**
 * Logs an attempt and moves its delivery on, in one statement: `nextAttemptAt` set means
 * pending until then, else `status` is final. Returns false (and writes nothing) when the
 * claim's lease is no longer held.
 */
export async function recordAttempt(
  db: Kysely<Database>,
  claim: Pick<ClaimedDelivery, 'id' | 'lease'>,
  attempt: AttemptRecord,
  next: { status: 'pending' | 'succeeded' | 'failed'; nextAttemptAt: Date | null },
): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    WITH moved AS (
      UPDATE webhook_deliveries
      SET status = ${next.status}, attempts = attempts + 1, locked_until = NULL,
        next_attempt_at = coalesce(${next.nextAttemptAt}::timestamptz, next_attempt_at),
        last_attempt_at = ${attempt.attemptedAt}
      WHERE id = ${claim.id} AND locked_until = ${claim.lease}::timestamptz
      RETURNING id, endpoint_id, project_id
    )
    INSERT INTO webhook_attempts (delivery_id, endpoint_id, project_id, attempted_at, status_code,
      latency_ms, response_snippet, error)
    SELECT id, endpoint_id, project_id, ${attempt.attemptedAt}, ${attempt.statusCode},
      ${attempt.latencyMs}, ${storable(attempt.responseSnippet)}, ${storable(attempt.error)}
    FROM moved
    RETURNING id
  `.execute(db);
  return rows.length > 0;
}

/** Gives a claim back unattempted (the dispatcher is stopping): due again at once. */
export async function releaseClaim(
  db: Kysely<Database>,
  claim: Pick<ClaimedDelivery, 'id' | 'lease'>,
): Promise<void> {
  await sql`
    UPDATE webhook_deliveries SET locked_until = NULL
    WHERE id = ${claim.id} AND locked_until = ${claim.lease}::timestamptz
  `.execute(db);
}

/**
 * After a delivery failed for good: disables its endpoint if no attempt to it has succeeded
 * since this delivery's first attempt (the receiver has been down all along, not just
 * refusing one event). Its pending deliveries then wait until it is enabled again. Returns
 * the reason when it disabled the endpoint.
 */
export async function disableIfFailing(
  db: Kysely<Database>,
  deliveryId: string,
  endpointId: string,
  lastAttempt: string,
  now = new Date(),
): Promise<string | null> {
  const first = await db
    .selectFrom('webhook_attempts')
    .select(['id', 'attempted_at'])
    .where('delivery_id', '=', deliveryId)
    .orderBy('id')
    .limit(1)
    .executeTakeFirst();
  if (!first) return null;
  const since = first.attempted_at;
  const reason =
    `Every delivery failed for ${roughDuration(now.getTime() - since.getTime())} ` +
    `(since ${since.toISOString().slice(0, 16)}Z); last attempt: ${lastAttempt}.`;
  // Attempt ids grow with time: "since the first attempt" is an id bound on the endpoint index.
  const { rows } = await sql<{ id: string }>`
    UPDATE webhook_endpoints w
    SET enabled = false, disabled_reason = ${reason}, disabled_at = now(), updated_at = now()
    WHERE w.id = ${endpointId} AND w.enabled
      AND NOT EXISTS (
        SELECT 1 FROM webhook_attempts a
        WHERE a.endpoint_id = w.id AND a.id >= ${first.id} AND a.status_code BETWEEN 200 AND 299)
    RETURNING w.id
  `.execute(db);
  return rows.length > 0 ? reason : null;
}
