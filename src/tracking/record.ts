// Records an open or a click: one read for what the classification needs (when the message
// was sent, its clicks of the last seconds), then one statement that bumps the message's
// counters and appends the `opened`/`clicked` event, so counters and events never disagree.
// Every hit becomes an event (webhook subscribers filter); `first` marks the first human one.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/index.ts';
import { burstWindowMs, type Classification, classifyHit } from './machine.ts';

export interface EngagementHit {
  kind: 'open' | 'click';
  messageId: string;
  method: string;
  userAgent: string | null;
  ip: string | null;
  /** Clicks: the link followed and its position among the message's tracked links. */
  url?: string;
  linkIndex?: number;
  at?: Date;
}

export interface RecordedEngagement {
  /** False when the message does not exist (any more). */
  recorded: boolean;
  /** The first human open (or click) of the message. */
  first: boolean;
  classification: Classification;
}

const columns = {
  open: { type: 'opened', human: 'open_count', machine: 'machine_open_count', firstAt: 'first_opened_at' },
  click: {
    type: 'clicked',
    human: 'click_count',
    machine: 'machine_click_count',
    firstAt: 'first_clicked_at',
  },
} as const;

export async function recordEngagement(
  db: Kysely<Database>,
  hit: EngagementHit,
): Promise<RecordedEngagement> {
  const at = hit.at ?? new Date();
  const context = await sql<{ sent_at: Date | null; recent: { linkIndex: number; at: string }[] | null }>`
    SELECT
      (SELECT max(e.created_at) FROM message_events e WHERE e.message_id = m.id AND e.type = 'sent') AS sent_at,
      CASE WHEN ${hit.kind} = 'click' THEN (
        SELECT jsonb_agg(jsonb_build_object('linkIndex', e.details -> 'linkIndex', 'at', e.created_at))
        FROM message_events e
        WHERE e.message_id = m.id AND e.type = 'clicked'
          AND e.created_at > ${at}::timestamptz - make_interval(secs => ${burstWindowMs / 1000})
      ) END AS recent
    FROM messages m WHERE m.id = ${hit.messageId}
  `.execute(db);
  const row = context.rows[0];
  const classification = classifyHit({
    kind: hit.kind,
    method: hit.method,
    userAgent: hit.userAgent,
    ip: hit.ip,
    at,
    sentAt: row?.sent_at ?? null,
    linkIndex: hit.linkIndex,
    recentClicks: (row?.recent ?? []).map((c) => ({ linkIndex: c.linkIndex, at: new Date(c.at) })),
  });
  if (!row) return { recorded: false, first: false, classification };

  const human = classification.machine === null;
  const c = columns[hit.kind];
  const details = {
    userAgent: hit.userAgent,
    ip: hit.ip,
    ...(hit.kind === 'click' ? { url: hit.url, linkIndex: hit.linkIndex } : {}),
    machine: classification.machine,
    signal: classification.signal,
    proxy: classification.proxy ?? null,
  };
  // The row lock of the UPDATE orders concurrent hits: the human count is 1 after exactly one.
  const result = await sql<{ first: boolean }>`
    WITH m AS (
      UPDATE messages SET
        ${sql.ref(c.human)} = ${sql.ref(c.human)} + ${human ? 1 : 0}::int,
        ${sql.ref(c.machine)} = ${sql.ref(c.machine)} + ${human ? 0 : 1}::int,
        ${sql.ref(c.firstAt)} = CASE WHEN ${human}::boolean
          THEN coalesce(${sql.ref(c.firstAt)}, ${at}::timestamptz) ELSE ${sql.ref(c.firstAt)} END
      WHERE id = ${hit.messageId}
      RETURNING id, project_id, ${sql.ref(c.human)} AS human_count
    )
    INSERT INTO message_events (message_id, project_id, type, created_at, details)
    SELECT id, project_id, ${c.type}, ${at}::timestamptz,
      jsonb_build_object('first', ${human}::boolean AND human_count = 1) || ${JSON.stringify(details)}::jsonb
    FROM m
    RETURNING (details ->> 'first')::boolean AS first
  `.execute(db);
  const recorded = result.rows[0];
  return { recorded: recorded !== undefined, first: recorded?.first ?? false, classification };
}
