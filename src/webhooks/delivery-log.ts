// Reading an endpoint's history back for the API: every attempt (status, latency, the start
// of the answer, or the error), and every delivery with its state. Newest first, with cursor
// pagination; the cursor is the last row id of the previous page, opaque to clients.
import type { Kysely } from 'kysely';
import { type Database, decodeCursor, keysetPage } from '../db/index.ts';

export interface AttemptView {
  attemptId: string;
  deliveryId: string;
  eventId: string;
  eventType: string | null;
  messageId: string;
  attemptedAt: string;
  statusCode: number | null;
  latencyMs: number;
  responseSnippet: string | null;
  error: string | null;
  succeeded: boolean;
  replay: boolean;
}

export interface DeliveryView {
  deliveryId: string;
  eventId: string;
  eventType: string | null;
  messageId: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  replay: boolean;
  /** Pending only: when it is tried next (later, while its endpoint is disabled). */
  nextAttemptAt: string | null;
  lastAttemptAt: string | null;
  createdAt: string;
}

export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

const idPattern = /^\d{1,18}$/;

export async function listAttempts(
  db: Kysely<Database>,
  endpointId: string,
  filter: { status?: 'succeeded' | 'failed'; limit: number; cursor?: string },
): Promise<Page<AttemptView>> {
  let q = db
    .selectFrom('webhook_attempts as a')
    .innerJoin('webhook_deliveries as d', 'd.id', 'a.delivery_id')
    .leftJoin('message_events as e', 'e.id', 'd.event_id')
    .select([
      'a.id',
      'a.delivery_id',
      'd.event_id',
      'e.type',
      'd.message_id',
      'a.attempted_at',
      'a.status_code',
      'a.latency_ms',
      'a.response_snippet',
      'a.error',
      'd.replay',
    ])
    .where('a.endpoint_id', '=', endpointId);
  if (filter.status === 'succeeded') q = q.where('a.status_code', '>=', 200).where('a.status_code', '<', 300);
  if (filter.status === 'failed')
    q = q.where((eb) =>
      eb.or([eb('a.status_code', 'is', null), eb('a.status_code', '<', 200), eb('a.status_code', '>=', 300)]),
    );
  if (filter.cursor) q = q.where('a.id', '<', decodeCursor(filter.cursor, idPattern));
  const rows = await q
    .orderBy('a.id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const { rows: shown, nextCursor } = keysetPage(rows, filter.limit, (r) => r.id);
  return {
    data: shown.map((r) => ({
      attemptId: r.id,
      deliveryId: r.delivery_id,
      eventId: r.event_id,
      eventType: r.type,
      messageId: r.message_id,
      attemptedAt: r.attempted_at.toISOString(),
      statusCode: r.status_code,
      latencyMs: r.latency_ms,
      responseSnippet: r.response_snippet,
      error: r.error,
      succeeded: r.status_code !== null && r.status_code >= 200 && r.status_code < 300,
      replay: r.replay,
    })),
    nextCursor,
  };
}

export async function listDeliveries(
  db: Kysely<Database>,
  endpointId: string,
  filter: { status?: 'pending' | 'succeeded' | 'failed'; limit: number; cursor?: string },
): Promise<Page<DeliveryView>> {
  let q = db
    .selectFrom('webhook_deliveries as d')
    .leftJoin('message_events as e', 'e.id', 'd.event_id')
    .select([
      'd.id',
      'd.event_id',
      'e.type',
      'd.message_id',
      'd.status',
      'd.attempts',
      'd.replay',
      'd.next_attempt_at',
      'd.last_attempt_at',
      'd.created_at',
    ])
    .where('d.endpoint_id', '=', endpointId);
  if (filter.status) q = q.where('d.status', '=', filter.status);
  if (filter.cursor) q = q.where('d.id', '<', decodeCursor(filter.cursor, idPattern));
  const rows = await q
    .orderBy('d.id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const { rows: shown, nextCursor } = keysetPage(rows, filter.limit, (r) => r.id);
  return {
    data: shown.map((r) => ({
      deliveryId: r.id,
      eventId: r.event_id,
      eventType: r.type,
      messageId: r.message_id,
      status: r.status,
      attempts: r.attempts,
      replay: r.replay,
      nextAttemptAt: r.status === 'pending' ? r.next_attempt_at.toISOString() : null,
      lastAttemptAt: r.last_attempt_at?.toISOString() ?? null,
      createdAt: r.created_at.toISOString(),
    })),
    nextCursor,
  };
}
