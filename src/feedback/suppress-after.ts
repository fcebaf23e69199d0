// The suppression rules, in one place: a hard bounce suppresses the recipient on the
// message's stream; a complaint on every stream (someone who calls your mail spam wants none
// of it); soft bounces only when they repeat — the project's limit within its window (5 in
// 7 days by default) — because a full mailbox or a greylisting server usually recovers.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/index.ts';
import { addSuppressions, type Stream, streams } from '../suppressions/index.ts';

interface Sent {
  id: string;
  project_id: string;
  stream: Stream;
  to_address: string;
}

export async function afterBounce(
  db: Kysely<Database>,
  message: Sent,
  hard: boolean,
  details: Record<string, unknown>,
) {
  const common = {
    projectId: message.project_id,
    address: message.to_address,
    streams: [message.stream],
    messageId: message.id,
    actor: 'system',
  };
  if (hard) {
    return addSuppressions(db, [{ ...common, reason: 'hard-bounce', details: pick(details) }]);
  }
  const rule = await db
    .selectFrom('projects')
    .select(['soft_bounce_limit', 'soft_bounce_days'])
    .where('id', '=', message.project_id)
    .executeTakeFirstOrThrow();
  const recent = await softBounces(db, message, rule.soft_bounce_days);
  if (rule.soft_bounce_limit <= 0 || recent < rule.soft_bounce_limit) return [];
  return addSuppressions(db, [
    {
      ...common,
      reason: 'soft-bounces',
      details: { ...pick(details), softBounces: recent, withinDays: rule.soft_bounce_days },
    },
  ]);
}

export async function afterComplaint(db: Kysely<Database>, message: Sent) {
  return addSuppressions(db, [
    {
      projectId: message.project_id,
      address: message.to_address,
      streams,
      reason: 'complaint',
      messageId: message.id,
      actor: 'system',
    },
  ]);
}

/** Soft bounces of this recipient on this stream within the window, this one included. */
async function softBounces(db: Kysely<Database>, message: Sent, days: number): Promise<number> {
  const row = await db
    .selectFrom('message_events as e')
    .innerJoin('messages as m', 'm.id', 'e.message_id')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('m.project_id', '=', message.project_id)
    .where('m.to_address', '=', message.to_address)
    .where('m.stream', '=', message.stream)
    .where('e.type', '=', 'bounced')
    .where(sql`e.details->>'bounceType'`, '=', 'soft')
    .where('e.created_at', '>', sql<Date>`now() - make_interval(days => ${days})`)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** What the suppression list shows about the bounce that caused it. */
function pick(details: Record<string, unknown>): Record<string, unknown> {
  const { reason, status, replyCode, diagnostic, source } = details;
  return { bounceReason: reason, status, replyCode, diagnostic, source };
}
