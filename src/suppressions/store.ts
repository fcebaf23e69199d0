// Suppressions: recipients a project must not send to on a stream, and why. Added by the
// system (hard bounce, complaint, unsubscribe, repeated soft bounces) or by people (API, CSV
// import); removed only by people. Every addition and removal writes an audit row saying who
// did it and why, in the same statement.
import { type Kysely, sql } from 'kysely';
import { parseMailbox } from '../channels/email/index.ts';
import { parsePhoneNumber } from '../channels/sms/index.ts';
import type { Database } from '../db/index.ts';

import type { Stream, SuppressionReason } from '../vocabulary.ts';

export { type Stream, type SuppressionReason, streams, suppressionReasons } from '../vocabulary.ts';

export interface SuppressionInput {
  projectId: string;
  /** Lower-case email address or E.164 number (see normalizeAddress). */
  address: string;
  streams: readonly Stream[];
  reason: SuppressionReason;
  details?: Record<string, unknown>;
  messageId?: string | null;
  /** An API key id, "system" or "cli". */
  actor: string;
  note?: string | null;
}

export interface Suppression {
  address: string;
  stream: Stream;
  reason: SuppressionReason;
  details: Record<string, unknown>;
  messageId: string | null;
  createdBy: string;
  createdAt: Date;
}

/**
 * A recipient as a person writes it (API, CLI, CSV), in the stored form: a lower-case email
 * address, or a phone number in E.164. Null when it is neither. `allowName`: accept
 * "Name <address>" (exports from other platforms have them).
 */
export function suppressionAddress(raw: string, options: { allowName: boolean }): string | null {
  if (raw.includes('@')) {
    const mailbox = parseMailbox(raw);
    if (!mailbox || (mailbox.name && !options.allowName)) return null;
    return mailbox.email.toLowerCase();
  }
  const phone = parsePhoneNumber(raw, undefined);
  return phone.ok ? phone.e164 : null;
}

/** Email addresses compare without case; phone numbers are E.164 already. */
export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

/**
 * Adds suppressions that do not exist yet (an existing one keeps its first reason) and
 * audits the new ones. Returns the rows added.
 */
export async function addSuppressions(
  db: Kysely<Database>,
  list: readonly SuppressionInput[],
): Promise<{ address: string; stream: Stream; reason: string }[]> {
  const rows = list.flatMap((s) =>
    s.streams.map((stream) => ({
      project_id: s.projectId,
      stream,
      address: normalizeAddress(s.address),
      reason: s.reason,
      details: s.details ?? {},
      message_id: s.messageId ?? null,
      created_by: s.actor,
      note: s.note ?? null,
    })),
  );
  if (rows.length === 0) return [];
  const result = await sql<{ address: string; stream: Stream; reason: string }>`
    WITH input AS (
      SELECT DISTINCT ON (project_id, stream, address) *
      FROM jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) AS x(
        project_id text, stream text, address text, reason text, details jsonb, message_id text,
        created_by text, note text)
    ), added AS (
      INSERT INTO suppressions (project_id, stream, address, reason, details, message_id, created_by)
      SELECT project_id, stream, address, reason, details, message_id, created_by FROM input
      ON CONFLICT DO NOTHING
      RETURNING project_id, stream, address, reason
    ), audit AS (
      INSERT INTO suppression_audit (project_id, stream, address, action, reason, actor, note)
      SELECT a.project_id, a.stream, a.address, 'added', a.reason, i.created_by, i.note
      FROM added a JOIN input i USING (project_id, stream, address)
    )
    SELECT address, stream, reason FROM added
  `.execute(db);
  return result.rows;
}

/** Removes a recipient's suppressions (on one stream, or all); audits each. Returns them. */
export async function removeSuppressions(
  db: Kysely<Database>,
  projectId: string,
  address: string,
  options: { stream?: Stream; actor: string; note?: string | null },
): Promise<{ stream: Stream; reason: string }[]> {
  const streamFilter = options.stream ? sql`AND stream = ${options.stream}` : sql``;
  const result = await sql<{ stream: Stream; reason: string }>`
    WITH removed AS (
      DELETE FROM suppressions
      WHERE project_id = ${projectId} AND address = ${normalizeAddress(address)} ${streamFilter}
      RETURNING project_id, stream, address, reason
    ), audit AS (
      INSERT INTO suppression_audit (project_id, stream, address, action, reason, actor, note)
      SELECT project_id, stream, address, 'removed', reason, ${options.actor}, ${options.note ?? null}
      FROM removed
    )
    SELECT stream, reason FROM removed ORDER BY stream
  `.execute(db);
  return result.rows;
}

export function toSuppression(row: {
  address: string;
  stream: Stream;
  reason: SuppressionReason;
  details: Record<string, unknown>;
  message_id: string | null;
  created_by: string;
  created_at: Date;
}): Suppression {
  return {
    address: row.address,
    stream: row.stream,
    reason: row.reason,
    details: row.details,
    messageId: row.message_id,
    createdBy: row.created_by,
    createdAt: row.created_at,
  };
}
