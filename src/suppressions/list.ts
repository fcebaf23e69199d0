// Reading the suppression list back: a filtered page (newest first, with a cursor), and one
// recipient's suppressions with the audit history of who added and removed them and why.
import { type Kysely, sql } from 'kysely';
import { type Database, decodeCursorParts, keysetPage } from '../db/index.ts';
import type { Stream, SuppressionReason } from '../vocabulary.ts';
import { normalizeAddress, type Suppression, toSuppression } from './store.ts';

/** The cursor is the last row's order: time added to the microsecond, then address and stream (any text). */
const cursorParts = [/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/, /^/, /^/] as const;

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
    const [exactAt, address, stream] = decodeCursorParts(filter.cursor, cursorParts);
    const at = sql<Date>`${exactAt}::timestamptz`;
    q = q.where((eb) =>
      eb.or([
        eb('created_at', '<', at),
        eb.and([eb('created_at', '=', at), eb('address', '>', address)]),
        eb.and([
          eb('created_at', '=', at),
          eb('address', '=', address), // The cursor's stream is any text (as it always was): compared as text.
          eb(sql<string>`stream`, '>', stream),
        ]),
      ]),
    );
  }
  const rows = await q
    .orderBy('created_at', 'desc')
    .orderBy('address')
    .orderBy('stream')
    .limit(filter.limit + 1)
    .execute();
  const page = keysetPage(rows, filter.limit, (r) => [r.exact_at, r.address, r.stream]);
  return { data: page.rows.map(toSuppression), nextCursor: page.nextCursor };
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
