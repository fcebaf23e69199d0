// The delivery queue's SQL, in one place. Jobs live in delivery_jobs; a worker claims a few
// at a time with FOR UPDATE SKIP LOCKED (workers never block on, or take, each other's jobs),
// and records each outcome in the same statement that deletes or reschedules the job.
// A claimed job is tagged with the worker's id; a worker holds an advisory lock on that id
// for as long as its session lives, so the jobs of a worker that died (kill -9, lost host)
// are released as soon as PostgreSQL drops its session.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/index.ts';
import { type AttemptOutcome, cancelableStatuses } from '../messages/index.ts';
import type { Channel, SmsEncoding, Stream } from '../vocabulary.ts';

/** First key of the advisory locks that mark live workers (ASCII "AVIS"). */
export const workerLockClass = 0x41564953;

export interface ClaimedJob {
  job_id: string;
  job_attempts: number;
  id: string;
  project_id: string;
  channel: Channel;
  priority: number;
  stream: Stream;
  to_address: string;
  to_name: string | null;
  from_address: string | null;
  from_name: string | null;
  reply_to: { email: string; name?: string } | null;
  subject: string | null;
  html: string | null;
  text_body: string | null;
  headers: Record<string, string>;
  attachment_count: number;
  encoding: SmsEncoding | null;
  segments: number | null;
  valid_until: Date | null;
  payload: Record<string, unknown> | null;
  track_opens: boolean;
  track_clicks: boolean;
  created_at: Date;
}

/**
 * Claims up to `limit` due jobs, most urgent first (priority, then due time). `onlyPriority`
 * restricts the claim to one priority: the urgent lane uses it so that high-priority work
 * has slots of its own. Returns each job with the message it delivers.
 *
 * Only a live worker claims: the statement itself checks that the worker's session still holds
 * its advisory lock. A worker whose session died (a PostgreSQL restart) but has not noticed yet
 * would otherwise claim under an id that others release at once, and the same job would be
 * sent by it and by whoever claims it next, over and over until it reconnects.
 */
export async function claimJobs(
  db: Kysely<Database>,
  workerId: string,
  limit: number,
  leaseSeconds: number,
  onlyPriority?: number,
): Promise<ClaimedJob[]> {
  const filter = onlyPriority === undefined ? sql`` : sql`AND priority = ${onlyPriority}`;
  const result = await sql<ClaimedJob>`
    WITH live AS (
      SELECT 1 FROM pg_locks
      WHERE locktype = 'advisory' AND classid = ${workerLockClass} AND objsubid = 2 AND granted
        AND objid::bigint = ${workerId}::bigint
    ), picked AS (
      SELECT id FROM delivery_jobs
      WHERE locked_by IS NULL AND run_at <= now() ${filter} AND EXISTS (SELECT 1 FROM live)
      ORDER BY priority, run_at, id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED
    ), claimed AS (
      UPDATE delivery_jobs j
      SET locked_by = ${workerId}, locked_until = now() + make_interval(secs => ${leaseSeconds}),
          attempts = j.attempts + 1
      FROM picked WHERE j.id = picked.id
      RETURNING j.id, j.message_id, j.attempts
    )
    SELECT c.id AS job_id, c.attempts AS job_attempts, m.id, m.project_id, m.channel, m.priority,
      m.stream, m.to_address, m.to_name, m.from_address, m.from_name, m.reply_to, m.subject, m.html,
      m.text_body, m.headers, m.attachment_count, m.encoding, m.segments, m.valid_until, m.payload,
      m.track_opens, m.track_clicks, m.created_at
    FROM claimed c JOIN messages m ON m.id = c.message_id
    ORDER BY m.priority, c.id
  `.execute(db);
  return result.rows;
}

export interface Outcome {
  jobId: string;
  messageId: string;
  /** The attempt's outcome: the message's new status and the event recorded (lifecycle.ts). */
  status: AttemptOutcome;
  event: AttemptOutcome;
  details: Record<string, unknown>;
  provider: string | null;
  providerMessageId: string | null;
  messageIdHeader: string | null;
  /** Set for a retry: the job stays, due again at this time. Otherwise the job is done. */
  retryAt: Date | null;
  /** The ids the provider gave (one per SMS segment with some), for matching its reports. */
  refs: { providerId: string; ids: string[] } | null;
  /** When it happened (the provider's answer), not when it was written. */
  at: Date;
}

/**
 * Records outcomes: deletes finished jobs or reschedules retried ones, updates their
 * messages and appends their events, in one statement (so in one transaction). Only jobs
 * still claimed by this worker are touched; an outcome for a job this worker no longer holds
 * (its lease expired and another worker took it) is dropped. Returns how many were recorded.
 *
 * The commit waits for the WAL flush even on the worker's asynchronous-commit pool
 * (set_config(…, true) lasts until the end of the statement's own transaction, so its commit
 * is synchronous): the worker frees a send slot once this returns, and a crash of PostgreSQL
 * must not forget outcomes whose slots were freed, or it could re-send any number of
 * messages instead of at most one per slot. Claims stay asynchronous: a forgotten claim is a
 * job still in a slot. Cost: one WAL flush per batch of outcomes, 2–4 ms on the bench host
 * (claim + record alone, one loop of 32: 1,962–3,622 jobs/s against 3,023–4,772 async).
 */
export async function recordOutcomes(
  db: Kysely<Database>,
  workerId: string,
  outcomes: Outcome[],
): Promise<number> {
  if (outcomes.length === 0) return 0;
  const input = JSON.stringify(
    outcomes.map((o) => ({
      job_id: o.jobId,
      message_id: o.messageId,
      status: o.status,
      event: o.event,
      details: o.details,
      provider: o.provider,
      provider_message_id: o.providerMessageId,
      message_id_header: o.messageIdHeader,
      retry_at: o.retryAt?.toISOString() ?? null,
      at: o.at.toISOString(),
      ref_provider: o.refs?.providerId ?? null,
      refs: o.refs?.ids ?? null,
    })),
  );
  const result = await sql<{ n: number }>`
    WITH input AS (
      SELECT * FROM jsonb_to_recordset(${input}::jsonb) AS x(
        job_id bigint, message_id text, status text, event text, details jsonb, provider text,
        provider_message_id text, message_id_header text, retry_at timestamptz, at timestamptz,
        ref_provider text, refs jsonb)
    ), finished AS (
      DELETE FROM delivery_jobs j USING input i
      WHERE j.id = i.job_id AND i.retry_at IS NULL AND j.locked_by = ${workerId}
      RETURNING j.id
    ), retried AS (
      UPDATE delivery_jobs j SET run_at = i.retry_at, locked_by = NULL, locked_until = NULL
      FROM input i
      WHERE j.id = i.job_id AND i.retry_at IS NOT NULL AND j.locked_by = ${workerId}
      RETURNING j.id
    ), owned AS (
      SELECT id FROM finished UNION ALL SELECT id FROM retried
    ), updated AS (
      UPDATE messages m SET status = i.status,
        provider = coalesce(i.provider, m.provider),
        provider_message_id = coalesce(i.provider_message_id, m.provider_message_id),
        message_id_header = coalesce(i.message_id_header, m.message_id_header),
        attempts = m.attempts + 1,
        updated_at = i.at
      FROM input i JOIN owned o ON o.id = i.job_id
      -- The lifecycle's rule for an attempt: only a message waiting to be sent takes its outcome.
      WHERE m.id = i.message_id AND m.status = ANY(${[...cancelableStatuses]}::text[])
      RETURNING m.id, m.project_id
    ), events AS (
      INSERT INTO message_events (message_id, project_id, type, created_at, details)
      SELECT i.message_id, u.project_id, i.event, i.at, i.details
      FROM input i JOIN updated u ON u.id = i.message_id
      ORDER BY i.at
    ), refs AS (
      INSERT INTO provider_message_refs (provider_id, ref, message_id, project_id, segment, segments)
      SELECT i.ref_provider, r.ref, i.message_id, u.project_id, r.n, jsonb_array_length(i.refs)
      FROM input i JOIN updated u ON u.id = i.message_id
        CROSS JOIN LATERAL jsonb_array_elements_text(i.refs) WITH ORDINALITY AS r(ref, n)
      WHERE i.ref_provider IS NOT NULL
      ON CONFLICT DO NOTHING
    )
    SELECT count(*)::int AS n, set_config('synchronous_commit', 'on', true) FROM updated
  `.execute(db);
  return result.rows[0]?.n ?? 0;
}

/**
 * Makes jobs claimable again when their worker is gone (its advisory lock vanished with its
 * session) or their lease ran out (a worker that hangs). Returns how many were released.
 */
export async function releaseAbandonedJobs(db: Kysely<Database>): Promise<number> {
  const result = await sql`
    UPDATE delivery_jobs SET locked_by = NULL, locked_until = NULL
    WHERE locked_by IS NOT NULL
      AND (locked_until < now() OR locked_by NOT IN (
        SELECT objid::bigint FROM pg_locks
        WHERE locktype = 'advisory' AND classid = ${workerLockClass} AND objsubid = 2 AND granted))
  `.execute(db);
  return Number(result.numAffectedRows ?? 0);
}

/**
 * Puts a claimed job back for later without counting an attempt or recording anything (a
 * WhatsApp recipient who got a message seconds ago: the pair rate limit).
 */
export async function postponeJob(
  db: Kysely<Database>,
  workerId: string,
  jobId: string,
  runAt: Date,
): Promise<void> {
  await sql`
    UPDATE delivery_jobs SET run_at = ${runAt}, locked_by = NULL, locked_until = NULL,
      attempts = greatest(attempts - 1, 0)
    WHERE id = ${jobId} AND locked_by = ${workerId}
  `.execute(db);
}

export const channelFor = { high: 'aviso_jobs_high', any: 'aviso_jobs' } as const;
