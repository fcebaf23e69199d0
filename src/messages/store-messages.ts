// Stores accepted messages: the message rows, their first events, their attachments and
// their delivery jobs, in ONE statement. One statement is one round trip and one implicit
// transaction, so a message is never stored without its job (transactional outbox), and the
// API can answer 202 as soon as it returns: the data is committed and durable.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/index.ts';
import type { PreparedMessage } from './prepare-message.ts';

/**
 * The whole batch travels as two JSON parameters, expanded by jsonb_to_recordset: the
 * statement text is the same for 1 or 500 messages (one plan), and PostgreSQL decodes the
 * base64 attachments itself. The same statement checks each recipient against the project's
 * suppressions for the message's stream (a 2FA or password-reset template ignores bounce
 * suppressions): a suppressed message is stored with status `suppressed` and a `suppressed`
 * event, and gets no delivery job. It also settles tracking the request left to the project.
 */
const acceptSql = (messages: string, attachments: string) => sql<Suppressed & { id: string }>`
  /* prepared:aviso_accept */
  WITH input AS (
    SELECT * FROM jsonb_to_recordset(${messages}::jsonb) AS x(
      id text, project_id text, channel text, stream text, priority smallint, status text,
      to_address text, to_name text, from_address text, from_name text, reply_to jsonb,
      subject text, html text, text_body text, template text, template_version integer,
      locale text, encoding text, segments smallint, valid_until timestamptz, payload jsonb,
      headers jsonb, tags text[], metadata jsonb, attachment_count integer, send_at timestamptz,
      track_opens boolean, track_clicks boolean, bypass_bounce boolean, events jsonb, created_at timestamptz)
  ),
  checked AS (
    SELECT i.*, s.reason AS suppressed_reason, s.created_at AS suppressed_since,
      coalesce(i.track_opens, p.track_opens) AS opens,
      coalesce(i.track_clicks, p.track_clicks) AS clicks
    FROM input i
    JOIN projects p ON p.id = i.project_id
    LEFT JOIN LATERAL (
      SELECT reason, created_at FROM suppressions s
      WHERE s.project_id = i.project_id AND s.stream = i.stream AND s.address = lower(i.to_address)
        AND NOT (i.bypass_bounce AND s.reason IN ('hard-bounce', 'soft-bounces'))
      LIMIT 1
    ) s ON true
  ),
  stored AS (
    INSERT INTO messages (id, project_id, channel, stream, priority, status, to_address, to_name,
      from_address, from_name, reply_to, subject, html, text_body, template, template_version,
      locale, encoding, segments, valid_until, payload, headers, tags, metadata, attachment_count,
      send_at, track_opens, track_clicks, created_at)
    SELECT id, project_id, channel, stream, priority,
      CASE WHEN suppressed_reason IS NULL THEN status ELSE 'suppressed' END, to_address, to_name,
      from_address, from_name, reply_to, subject, html, text_body, template, template_version,
      locale, encoding, segments, valid_until, payload, headers, tags, metadata, attachment_count,
      send_at, opens, clicks, created_at
    FROM checked
  ),
  events AS (
    INSERT INTO message_events (message_id, project_id, type, details)
    SELECT i.id, i.project_id, e.value->>'type', coalesce(e.value->'details', '{}')
    FROM checked i CROSS JOIN LATERAL jsonb_array_elements(
      CASE WHEN i.suppressed_reason IS NULL THEN i.events
      ELSE i.events || jsonb_build_array(jsonb_build_object('type', 'suppressed', 'details',
        jsonb_build_object('reason', i.suppressed_reason, 'stream', i.stream,
          'since', to_char(i.suppressed_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))))
      END) WITH ORDINALITY AS e(value, n)
    WHERE i.suppressed_reason IS NULL OR e.value->>'type' <> 'scheduled'
    ORDER BY i.id, e.n
  ),
  files AS (
    INSERT INTO message_attachments (message_id, position, filename, content_type, content_id, content)
    SELECT message_id, position, filename, content_type, content_id, decode(content, 'base64')
    FROM jsonb_to_recordset(${attachments}::jsonb) AS a(
      message_id text, position smallint, filename text, content_type text, content_id text, content text)
  ),
  jobs AS (
    INSERT INTO delivery_jobs (message_id, project_id, priority, run_at)
    SELECT id, project_id, priority, coalesce(send_at, now()) FROM checked
    WHERE suppressed_reason IS NULL
  )
  SELECT id, suppressed_reason AS reason, suppressed_since AS since FROM checked
  WHERE suppressed_reason IS NOT NULL
`;

/** A message the statement found suppressed: why, and since when. */
export interface Suppressed {
  reason: string;
  since: Date;
}

export interface MessageGroup {
  projectId: string;
  messages: PreparedMessage[];
}

/**
 * Stores the prepared messages of one project (one statement, all or nothing). Returns the
 * ones found suppressed, by id.
 */
export function storeMessages(db: Kysely<Database>, projectId: string, messages: PreparedMessage[]) {
  return storeMessageGroups(db, [{ projectId, messages }]);
}

/** Stores the messages of several requests, maybe of several projects, in one statement. */
export async function storeMessageGroups(
  db: Kysely<Database>,
  groups: MessageGroup[],
): Promise<Map<string, Suppressed>> {
  const suppressed = new Map<string, Suppressed>();
  const rows = groups.flatMap((g) => g.messages.map((m) => messageRow(g.projectId, m)));
  if (rows.length === 0) return suppressed;
  const files = groups.flatMap((g) => g.messages.flatMap(attachmentRows));
  const result = await acceptSql(JSON.stringify(rows), JSON.stringify(files)).execute(db);
  for (const row of result.rows) suppressed.set(row.id, { reason: row.reason, since: row.since });
  return suppressed;
}

function messageRow(projectId: string, m: PreparedMessage) {
  return {
    id: m.id,
    project_id: projectId,
    channel: m.channel,
    stream: m.stream,
    priority: m.priority,
    status: m.status,
    to_address: m.to.address,
    to_name: m.to.name,
    from_address: m.from?.address ?? null,
    from_name: m.from?.name ?? null,
    reply_to: m.replyTo,
    subject: m.subject,
    html: m.html,
    text_body: m.text,
    template: m.template,
    template_version: m.templateVersion,
    locale: m.locale,
    encoding: m.sms?.encoding ?? null,
    segments: m.sms?.segments ?? null,
    valid_until: m.validUntil?.toISOString() ?? null,
    payload: m.payload,
    headers: m.headers,
    tags: m.tags,
    metadata: m.metadata,
    attachment_count: m.attachments.length,
    send_at: m.sendAt?.toISOString() ?? null,
    track_opens: m.tracking.opens,
    track_clicks: m.tracking.clicks,
    bypass_bounce: m.bypassBounceSuppression,
    events: firstEvents(m),
    // The accept time the id and the validity are counted from, not the commit's.
    created_at: m.acceptedAt.toISOString(),
  };
}

function firstEvents(m: PreparedMessage) {
  // The SMS cost and the validity are worth seeing in the history; the rest is on the message.
  const accepted: Record<string, unknown> | undefined = m.sms || m.validUntil ? { ...m.sms } : undefined;
  if (accepted && m.validUntil) accepted.validUntil = m.validUntil.toISOString();
  const events: { type: string; details?: Record<string, unknown> }[] = [
    accepted ? { type: 'accepted', details: accepted } : { type: 'accepted' },
  ];
  if (m.template !== null) {
    events.push({
      type: 'rendered',
      details: { template: m.template, version: m.templateVersion, locale: m.locale },
    });
  }
  if (m.status === 'scheduled')
    events.push({ type: 'scheduled', details: { sendAt: m.sendAt?.toISOString() } });
  return events;
}

function attachmentRows(m: PreparedMessage) {
  return m.attachments.map((a, position) => ({
    message_id: m.id,
    position,
    filename: a.filename,
    content_type: a.contentType,
    content_id: a.contentId,
    content: a.content,
  }));
}
