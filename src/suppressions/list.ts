// Reading the suppression list back: a filtered page (newest first, with a cursor), and one
// recipient's suppressions with the audit history of who added and removed them and why.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { isOneOf, type Stream, type SuppressionReason, streams } from '../vocabulary.ts';
import { normalizeAddress, type Suppression, toSuppression } from './store.ts';

export interface SuppressionFilter {
  stream?: Stream;
  reason?: SuppressionReason;
  /** Part of the address, any case ("@example.com", "ana"). */
  search?: string;
  since?: string;
  until?: string;
  limit: number;
  cursor?: string;
}

export async function listSuppressions(
  db: Kysely<Database>,
  projectId: string,
  filter: SuppressionFilter,
): Promise<{ data: Suppression[]; nextCursor: string | null }> {
  let q = db
    .selectFrom('suppressions')
    .selectAll()
    // The cursor needs PostgreSQL's microseconds, which a JavaScript Date would round off.
    .select(
      sql<string>`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('exact_at'),
    )
    .where('project_id', '=', projectId);
  if (filter.stream) q = q.where('stream', '=', filter.stream);
  if (filter.reason) q = q.where('reason', '=', filter.reason);
  if (filter.search) q = q.where('address', 'like', `%${escapeLike(normalizeAddress(filter.search))}%`);
  if (filter.since) q = q.where('created_at', '>=', new Date(filter.since));
  if (filter.until) q = q.where('created_at', '<', new Date(filter.until));
  if (filter.cursor) {
    const c = decodeCursor(filter.cursor);
    const at = sql<Date>`${c.at}::timestamptz`;
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '<', at),
        eb.and([eb('created_at', '=', at), eb('address', '>', c.address)]),
        eb.and([eb('created_at', '=', at), eb('address', '=', c.address), eb('stream', '>', c.stream)]),
      ]),
    );
  }
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('address')
    .orderBy('stream')
    .limit(filter.limit + 1)
    .execute();
  const page = rows.slice(0, filter.limit);
  const last = page.at(-1);
  return {
    data: page.map(toSuppression),
    nextCursor: rows.length > filter.limit && last ? encodeCursor(last) : null,
  };
}

export interface AuditEntry {
  stream: string;
  action: 'added' | 'removed';
  reason: string;
  actor: string;
  note: string | null;
  at: Date;
}

export async function suppressionsOf(
  db: Kysely<Database>,
  projectId: string,
  address: string,
): Promise<{ address: string; suppressions: Suppression[]; history: AuditEntry[] }> {
  const normalized = normalizeAddress(address);
  const [rows, audit] = await Promise.all([
    db
      .selectFrom('suppressions')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('address', '=', normalized)
      .orderBy('stream')
      .execute(),
    db
      .selectFrom('suppression_audit')
      .selectAll()
      .where('project_id', '=', projectId)
      .where('address', '=', normalized)
      .orderBy('id', 'desc')
      .limit(100)
      .execute(),
  ]);
  return {
    address: normalized,
    suppressions: rows.map(toSuppression),
    history: audit.map((a) => ({
      stream: a.stream,
      action: a.action,
      reason: a.reason,
      actor: a.actor,
      note: a.note,
      at: a.created_at,
    })),
  };
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function encodeCursor(row: { exact_at: string; address: string; stream: string }): string {
  return Buffer.from(JSON.stringify([row.exact_at, row.address, row.stream])).toString('base64url');
}

function decodeCursor(cursor: string): { at: string; address: string; stream: Stream } {
  try {
    const [at, address, stream] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as string[];
    if (
      typeof at === 'string' &&
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/.test(at) &&
      typeof address === 'string' &&
      typeof stream === 'string' &&
      isOneOf(streams, stream)
    )
      return { at, address, stream };
  } catch {}
  throw new ApiError('invalid_cursor', undefined, 'cursor');
}
