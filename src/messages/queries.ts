// Reading messages back for the API: one message with its ordered events, what the capture
// provider stored for it, and filtered lists with cursor pagination. Every query is scoped by project: another project's message
// is simply not found.
import { type Kysely, type Selectable, sql } from 'kysely';
import { mailbox } from '../channels/email/index.ts';
import { type Database, decodeCursor, keysetPage, type MessagesTable } from '../db/index.ts';
import { firstIdAt } from '../ids/index.ts';
import type { Channel, MessageStatus } from '../vocabulary.ts';
import type { MessageView, MessageWithEvents } from './message-view.ts';
import { priorityName } from './status.ts';

function toView(row: Selectable<MessagesTable>): MessageView {
  const email = row.channel === 'email';
  return {
    id: row.id,
    status: row.status,
    channel: row.channel,
    stream: row.stream,
    priority: priorityName(row.priority),
    to: email ? mailbox(row.to_address, row.to_name) : { phone: row.to_address },
    from:
      row.from_address === null
        ? null
        : email
          ? mailbox(row.from_address, row.from_name)
          : { sender: row.from_address },
    replyTo: row.reply_to,
    subject: row.subject,
    template: row.template,
    templateVersion: row.template_version,
    locale: row.locale,
    sms: row.encoding && row.segments !== null ? { encoding: row.encoding, segments: row.segments } : null,
    whatsapp:
      row.channel === 'whatsapp' && row.payload
        ? (row.payload as NonNullable<MessageView['whatsapp']>)
        : null,
    validUntil: row.valid_until?.toISOString() ?? null,
    tracking: email
      ? {
          opens: row.track_opens,
          clicks: row.track_clicks,
          openCount: row.open_count,
          clickCount: row.click_count,
          machineOpenCount: row.machine_open_count,
          machineClickCount: row.machine_click_count,
          firstOpenedAt: row.first_opened_at?.toISOString() ?? null,
          firstClickedAt: row.first_clicked_at?.toISOString() ?? null,
        }
      : null,
    tags: row.tags,
    metadata: row.metadata,
    headers: row.headers,
    attachments: row.attachment_count,
    sendAt: row.send_at?.toISOString() ?? null,
    messageIdHeader: row.message_id_header,
    provider: row.provider,
    providerMessageId: row.provider_message_id,
    attempts: row.attempts,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export async function getMessage(
  db: Kysely<Database>,
  projectId: string,
  id: string,
): Promise<MessageWithEvents | undefined> {
  const row = await db
    .selectFrom('messages')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('id', '=', id)
    .executeTakeFirst();
  if (!row) return undefined;
  const events = await db
    .selectFrom('message_events')
    .select(['type', 'created_at', 'details'])
    .where('message_id', '=', id)
    .where('project_id', '=', projectId)
    .orderBy('id')
    .execute();
  return {
    ...toView(row),
    events: events.map((e) => ({ type: e.type, at: e.created_at.toISOString(), details: e.details })),
  };
}

export interface MessageFilter {
  status?: MessageStatus;
  to?: string;
  tag?: string;
  since?: Date;
  until?: Date;
  limit: number;
  cursor?: string;
}

/**
 * The right side of `tags @> …` for one tag: an array. (A JS array given to Kysely becomes a
 * list of scalars, which PostgreSQL reads as a malformed array literal.)
 */
export function oneTag(tag: string) {
  return sql<string[]>`ARRAY[${tag}]::text[]`;
}

/** Newest first. The cursor is the last id of the previous page, opaque to clients. */
export async function listMessages(
  db: Kysely<Database>,
  projectId: string,
  filter: MessageFilter,
): Promise<{ data: MessageView[]; nextCursor: string | null }> {
  let q = db.selectFrom('messages').selectAll().where('project_id', '=', projectId);
  if (filter.status) q = q.where('status', '=', filter.status);
  if (filter.to) q = q.where('to_address', '=', filter.to);
  if (filter.tag) q = q.where('tags', '@>', oneTag(filter.tag));
  // Ids begin with their creation time, so time bounds are id bounds and use the same index.
  if (filter.since) q = q.where('id', '>=', firstIdAt('msg', filter.since.getTime()));
  if (filter.until) q = q.where('id', '<', firstIdAt('msg', filter.until.getTime()));
  if (filter.cursor) q = q.where('id', '<', decodeCursor(filter.cursor, /^msg_[0-9a-z]{26}$/));
  const rows = await q
    .orderBy('id', 'desc')
    .limit(filter.limit + 1)
    .execute();
  const page = keysetPage(rows, filter.limit, (r) => r.id);
  return { data: page.rows.map(toView), nextCursor: page.nextCursor };
}

/** What the capture provider stored for a message: raw MIME (email) or JSON; raw is null when it did not send it. */
export async function getCapturedMessage(
  db: Kysely<Database>,
  projectId: string,
  id: string,
): Promise<{ channel: Channel; raw: Buffer | null } | undefined> {
  const row = await db
    .selectFrom('messages')
    .leftJoin('captured_messages', 'captured_messages.message_id', 'messages.id')
    .select(['messages.id', 'messages.channel', 'captured_messages.raw'])
    .where('messages.project_id', '=', projectId)
    .where('messages.id', '=', id)
    .executeTakeFirst();
  return row && { channel: row.channel, raw: row.raw };
}
