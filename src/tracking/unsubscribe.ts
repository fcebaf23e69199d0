// One-click unsubscribe for the promotional stream: the List-Unsubscribe headers a
// promotional email carries (RFC 2369 §3.2, RFC 8058 §3.1), and what an unsubscribe does —
// suppress the recipient on the promotional stream of the message's project and record one
// `unsubscribed` event. Never touches the transactional stream: an order confirmation still
// reaches someone who unsubscribed from newsletters.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { addSuppressions } from '../suppressions/index.ts';
import { readToken, signToken } from './tokens.ts';

export type UnsubscribeMethod = 'one-click' | 'page' | 'mailto';

export function unsubscribeUrl(messageId: string, baseUrl: string, secret: Buffer): string {
  return `${baseUrl.replace(/\/+$/, '')}/u/${signToken({ kind: 'unsubscribe', messageId }, secret)}`;
}

/** The message id an unsubscribe token (from /u/TOKEN or unsubscribe+TOKEN@…) stands for, or null. */
export function messageIdFromUnsubscribeToken(token: string, secret: Buffer): string | null {
  return readToken('unsubscribe', token, secret)?.messageId ?? null;
}

export interface UnsubscribeHeaderOptions {
  messageId: string;
  baseUrl: string;
  secret: Buffer;
  /** Domain of the mailto: unsubscribe address (the bounce domain); null: no mailto. */
  mailtoDomain: string | null;
}

export function unsubscribeHeaders(options: UnsubscribeHeaderOptions): Record<string, string> {
  const token = signToken({ kind: 'unsubscribe', messageId: options.messageId }, options.secret);
  const uris = [`<${options.baseUrl.replace(/\/+$/, '')}/u/${token}>`];
  if (options.mailtoDomain !== null)
    uris.push(`<mailto:unsubscribe+${token}@${options.mailtoDomain}?subject=unsubscribe>`);
  return {
    'List-Unsubscribe': uris.join(', '),
    // RFC 8058 §3.1: the receiver may POST "List-Unsubscribe=One-Click" to the https URI.
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}

/** A message's own headers with the unsubscribe headers set (ours replace any it gave). */
export function withUnsubscribeHeaders(
  headers: Record<string, string>,
  options: UnsubscribeHeaderOptions,
): Record<string, string> {
  const ours = unsubscribeHeaders(options);
  const names = new Set(Object.keys(ours).map((n) => n.toLowerCase()));
  const kept = Object.entries(headers).filter(([name]) => !names.has(name.toLowerCase()));
  return { ...Object.fromEntries(kept), ...ours };
}

export interface UnsubscribeTarget {
  messageId: string;
  projectId: string;
  projectName: string;
  address: string;
  stream: string;
}

export type UnsubscribeResult =
  | { outcome: 'not-found' }
  /** A transactional message: nothing to unsubscribe from, nothing changed. */
  | ({ outcome: 'not-promotional' } & UnsubscribeTarget)
  | ({ outcome: 'unsubscribed' } & UnsubscribeTarget)
  /** This message's unsubscribe was recorded before: nothing changed. */
  | ({ outcome: 'already-unsubscribed' } & UnsubscribeTarget);

/** What the unsubscribe page shows: whose address, which project. Null for an unknown message. */
export async function unsubscribeTarget(
  db: Kysely<Database>,
  messageId: string,
): Promise<(UnsubscribeTarget & { unsubscribed: boolean }) | null> {
  const row = await db
    .selectFrom('messages as m')
    .innerJoin('projects as p', 'p.id', 'm.project_id')
    .select(['m.id', 'm.project_id', 'p.name', 'm.to_address', 'm.stream'])
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('message_events as e')
            .select('e.id')
            .whereRef('e.message_id', '=', 'm.id')
            .where('e.type', '=', 'unsubscribed'),
        )
        .as('unsubscribed'),
    )
    .where('m.id', '=', messageId)
    .executeTakeFirst();
  if (!row) return null;
  return {
    messageId: row.id,
    projectId: row.project_id,
    projectName: row.name,
    address: row.to_address,
    stream: row.stream,
    unsubscribed: Boolean(row.unsubscribed),
  };
}

/**
 * Unsubscribes the recipient of a promotional message from its project's promotional stream.
 * The event is recorded once per message; a repeat (a second click, the mail client's POST
 * and the person's click) changes nothing unless the suppression was removed in between.
 */
export async function unsubscribeMessage(
  db: Kysely<Database>,
  messageId: string,
  method: UnsubscribeMethod,
  meta: Record<string, unknown> = {},
): Promise<UnsubscribeResult> {
  return db.transaction().execute(async (trx) => {
    // Locks the message: concurrent unsubscribes of it run one after the other.
    const locked = await trx
      .selectFrom('messages')
      .select('id')
      .where('id', '=', messageId)
      .forUpdate()
      .executeTakeFirst();
    const target = locked ? await unsubscribeTarget(trx, messageId) : null;
    if (!target) return { outcome: 'not-found' };
    const { unsubscribed: recordedBefore, ...found } = target;
    if (found.stream !== 'promotional') return { outcome: 'not-promotional', ...found };
    const added = await addSuppressions(trx, [
      {
        projectId: found.projectId,
        address: found.address,
        streams: ['promotional'],
        reason: 'unsubscribe',
        details: { method },
        messageId,
        actor: 'recipient',
      },
    ]);
    if (recordedBefore && added.length === 0) return { outcome: 'already-unsubscribed', ...found };
    await trx
      .insertInto('message_events')
      .values({
        message_id: messageId,
        project_id: found.projectId,
        type: 'unsubscribed',
        details: JSON.stringify({ method, ...meta }),
      })
      .execute();
    return { outcome: 'unsubscribed', ...found };
  });
}

/** j***@example.com: enough for people to recognise their address, not to learn someone else's. */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at <= 0) return `${address.slice(0, 1)}***`;
  return `${address.slice(0, 1)}***${address.slice(at)}`;
}
