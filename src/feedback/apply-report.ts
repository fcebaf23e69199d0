// Applies what comes back by mail about a message we sent: a bounce (a DSN or a mail
// server's failure notice), a complaint (an ARF report from a feedback loop) or a late
// success notice. Each becomes an event on the message; a bounce also moves the message to
// `bounced`; and the recipient is suppressed when the rules say so (see suppress-after.ts).
// A report seen twice (the same DSN delivered again) records nothing the second time.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { BounceReport, BounceResult } from '../channels/email/bounce/index.ts';
import type { Database, MessagesTable } from '../db/index.ts';
import { transition } from '../messages/index.ts';
import { foreignSnippet, foreignString, snippetChars } from '../net/index.ts';
import { afterBounce, afterComplaint } from './suppress-after.ts';

export interface AppliedReport {
  kind: BounceReport['kind'];
  /** The message the report is about, when it could be found. */
  messageId: string | null;
  /** What was recorded: 'bounced', 'complained', 'delivered', or nothing. */
  event: string | null;
  /** Suppressions added because of it. */
  suppressed: { address: string; stream: string; reason: string }[];
  /** Why nothing was recorded, when nothing was. */
  ignored?: string;
}

type MessageRow = Pick<Selectable<MessagesTable>, 'id' | 'project_id' | 'stream' | 'to_address' | 'status'>;

export async function applyReport(
  db: Kysely<Database>,
  report: BounceReport,
  target: { messageId: string | null; projectId?: string },
): Promise<AppliedReport> {
  const base = { kind: report.kind, messageId: null, event: null, suppressed: [] };
  if (report.kind === 'none' || report.kind === 'auto-reply' || report.results.length === 0) {
    return { ...base, ignored: report.kind === 'auto-reply' ? 'an auto-reply' : 'not a bounce or complaint' };
  }
  const message = await findMessage(db, target.messageId ?? messageIdIn(report.original), target.projectId);
  if (!message) return { ...base, ignored: 'no message of ours found for this report' };
  const result = resultFor(report.results, message.to_address);
  const applied = { ...base, messageId: message.id };

  if (report.kind === 'complaint') {
    if (result.feedbackType === 'not-spam') return { ...applied, ignored: 'a not-spam report' };
    const recorded = await recordOnce(db, message, 'complained', {
      feedbackType: result.feedbackType,
      recipient: result.recipient || message.to_address,
      source: 'arf',
    });
    if (!recorded) return { ...applied, ignored: 'already recorded' };
    return { ...applied, event: 'complained', suppressed: await afterComplaint(db, message) };
  }

  if (report.kind === 'delivered') {
    const recorded = await recordOnce(db, message, 'delivered', {
      source: 'dsn',
      diagnostic: result.diagnostic,
    });
    return recorded ? { ...applied, event: 'delivered' } : { ...applied, ignored: 'already recorded' };
  }

  // The lifecycle says whether a bounce or delay applies (not to a message that never left).
  const type = result.delayed ? 'delayed' : 'bounced';
  const applies = transition(message.status, { source: 'report', type }).record;
  if (!applies) return { ...applied, ignored: `the message is ${message.status}` };
  if (result.delayed) {
    // A delay notice: the receiving side is still trying. Worth seeing, not a bounce.
    await db
      .insertInto('message_events')
      .values({
        message_id: message.id,
        project_id: message.project_id,
        type: 'deferred',
        details: {
          delayed: true,
          reason: result.reason,
          status: result.status || null,
          diagnostic: result.diagnostic,
          source: 'dsn',
        },
      })
      .execute();
    return { ...applied, event: 'deferred' };
  }
  const details = bounceDetails(result, 'dsn');
  const recorded = await recordOnce(db, message, 'bounced', details);
  if (!recorded) return { ...applied, ignored: 'already recorded' };
  return {
    ...applied,
    event: 'bounced',
    suppressed: await afterBounce(db, message, result.hardBounce, details),
  };
}

/** The event details of a bounce, from a report or from the SMTP reply at send time. */
export function bounceDetails(result: BounceResult, source: 'dsn' | 'smtp'): Record<string, unknown> {
  return {
    bounceType: result.hardBounce ? 'hard' : 'soft',
    hardBounce: result.hardBounce,
    reason: result.reason,
    status: result.status || null,
    replyCode: result.replyCode || null,
    // Both come from someone else's mail server: kept as clean, bounded text (no NUL).
    diagnostic: foreignSnippet(result.diagnostic, snippetChars.diagnostic),
    recipient: foreignString(result.recipient, 254) ?? null,
    source,
  };
}

/** Our Message-ID is <msg_…@sender domain>: a report that quotes it names the message. */
function messageIdIn(original: Record<string, string>): string | null {
  for (const header of ['x-aviso-message-id', 'message-id']) {
    const id = /(msg_[0-9a-z]{26})/.exec(original[header]?.toLowerCase() ?? '')?.[1];
    if (id) return id;
  }
  return null;
}

async function findMessage(
  db: Kysely<Database>,
  id: string | null,
  projectId: string | undefined,
): Promise<MessageRow | undefined> {
  if (!id) return undefined;
  let query = db
    .selectFrom('messages')
    .select(['id', 'project_id', 'stream', 'to_address', 'status'])
    .where('id', '=', id)
    .where('channel', '=', 'email');
  if (projectId) query = query.where('project_id', '=', projectId);
  return query.executeTakeFirst();
}

/** The report's line about our recipient (we send one recipient per message). */
function resultFor(results: BounceResult[], address: string): BounceResult {
  const lower = address.toLowerCase();
  return results.find((r) => r.recipient === lower) ?? (results[0] as BounceResult);
}

/**
 * Records the event unless the message already has one of this type from this source, and
 * moves the status as the lifecycle says a mailed report does. The message row is locked
 * first, so two copies of a report processed at once cannot both record.
 */
async function recordOnce(
  db: Kysely<Database>,
  message: MessageRow,
  type: 'bounced' | 'complained' | 'delivered',
  details: Record<string, unknown>,
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .selectFrom('messages')
      .select('status')
      .where('id', '=', message.id)
      .forUpdate()
      .executeTakeFirst();
    if (!row) return false;
    const seen = await trx
      .selectFrom('message_events')
      .select('id')
      .where('message_id', '=', message.id)
      .where('type', '=', type)
      .where(sql`details->>'source'`, '=', details.source as string)
      .executeTakeFirst();
    if (seen) return false;
    const next = transition(row.status, { source: 'report', type });
    if (!next.record) return false;
    if (next.status !== row.status) {
      await trx
        .updateTable('messages')
        .set({ status: next.status, updated_at: new Date() })
        .where('id', '=', message.id)
        .execute();
    }
    await trx
      .insertInto('message_events')
      .values({ message_id: message.id, project_id: message.project_id, type, details })
      .execute();
    return true;
  });
}
