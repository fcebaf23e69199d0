// Applies what providers report after a send (delivery receipts, WhatsApp statuses) to
// messages. Reports arrive late, twice, or out of order (a "sent" after a "delivered", a
// "delivered" after a "read"): each kind of event is recorded once, and a message's status
// only ever moves forward. An SMS sent in several segments is delivered when every segment
// is, and failed as soon as one fails. Pure rules plus one receipt's statements; the caller
// owns the transaction (receipt-applier.ts groups many receipts into one).
import { type Kysely, sql } from 'kysely';
import type { ProviderReceipt } from '../channels/index.ts';
import type { Database } from '../db/index.ts';
import { type MessageStatus, statusRank, transition } from '../messages/index.ts';
import { foreignSnippet, foreignString, snippetChars } from '../net/index.ts';

/** How far along a segment's reported status is (none yet: -1); per the message lifecycle. */
function segmentRank(status: MessageStatus | null): number {
  return status !== null ? statusRank(status) : -1;
}

export type ReceiptResult = 'applied' | 'unchanged' | 'unknown';

/** Combines the segments' statuses into the message's: all must arrive, one failure fails. */
function combined(statuses: (string | null)[], segments: number): ProviderReceipt['status'] | null {
  if (statuses.includes('failed')) return 'failed';
  if (statuses.includes('expired')) return 'expired';
  if (statuses.length < segments || statuses.some((s) => s !== 'delivered' && s !== 'read')) return null;
  return statuses.every((s) => s === 'read') ? 'read' : 'delivered';
}

/**
 * Applies one report inside the caller's transaction `trx` (it takes row locks on the ref and
 * the message). 'unknown': no sent message has this id (yet).
 */
export async function applyReceipt(
  trx: Kysely<Database>,
  providerId: string,
  receipt: ProviderReceipt,
  forms: string[] = [receipt.providerMessageId],
): Promise<ReceiptResult> {
  const ref = await trx
    .selectFrom('provider_message_refs')
    .selectAll()
    .where('provider_id', '=', providerId)
    .where('ref', 'in', forms)
    // Forms can collide (decimal "16" is hex "10"): the id as given wins, then the others in order.
    .orderBy(sql`array_position(${forms}::text[], ref)`)
    .limit(1)
    .forUpdate()
    .executeTakeFirst();
  if (!ref) return 'unknown';
  if (segmentRank(receipt.status) > segmentRank(ref.status)) {
    await trx
      .updateTable('provider_message_refs')
      .set({ status: receipt.status, updated_at: receipt.at })
      .where('provider_id', '=', providerId)
      .where('ref', '=', ref.ref)
      .execute();
  }
  let status: ProviderReceipt['status'] | null = receipt.status;
  if (ref.segments > 1) {
    const siblings = await trx
      .selectFrom('provider_message_refs')
      .select(['ref', 'status'])
      .where('message_id', '=', ref.message_id)
      .where('provider_id', '=', providerId)
      .execute();
    status = combined(
      siblings.map((s) =>
        s.ref === ref.ref && segmentRank(receipt.status) > segmentRank(s.status) ? receipt.status : s.status,
      ),
      ref.segments,
    );
  }
  // A receipt's "sent" changes nothing (the lifecycle's rule): no need to lock the message.
  if (status === null || status === 'sent') return 'unchanged';
  const message = await trx
    .selectFrom('messages')
    .select(['status'])
    .where('id', '=', ref.message_id)
    .forUpdate()
    .executeTakeFirst();
  if (!message) return 'unchanged';
  const next = transition(message.status, { source: 'receipt', status });
  if (!next.record) return 'unchanged';
  const seen = await trx
    .selectFrom('message_events')
    .select('id')
    .where('message_id', '=', ref.message_id)
    .where('type', '=', status)
    .executeTakeFirst();
  if (seen) return 'unchanged';
  const details: Record<string, unknown> = {
    providerId,
    providerStatus: receipt.providerStatus,
    reportedAt: receipt.at.toISOString(),
  };
  if (receipt.errorCode !== undefined) details.errorCode = receipt.errorCode;
  if (receipt.errorText !== undefined) details.errorText = receipt.errorText;
  if (receipt.permanent !== undefined) details.permanent = receipt.permanent;
  if (ref.segments > 1) details.segments = ref.segments;
  if (status === 'failed') details.reason = 'undelivered';
  await trx
    .insertInto('message_events')
    .values({
      message_id: ref.message_id,
      project_id: ref.project_id,
      type: status,
      details: JSON.stringify(details),
    })
    .execute();
  if (next.status !== message.status) {
    await trx
      .updateTable('messages')
      .set({ status: next.status, updated_at: new Date() })
      .where('id', '=', ref.message_id)
      .execute();
  }
  return 'applied';
}

/**
 * A report as a provider's callback or SMPP peer sent it, made fit to store: every string is
 * someone else's text, so it is kept short and clean (no NUL, which PostgreSQL refuses and which
 * would fail the report's whole batch).
 */
export function cleanReceipt(receipt: ProviderReceipt): ProviderReceipt {
  const clean: ProviderReceipt = {
    ...receipt,
    providerMessageId: foreignSnippet(receipt.providerMessageId, 200),
    providerStatus: foreignSnippet(receipt.providerStatus, 40),
  };
  const errorCode = foreignString(receipt.errorCode, 40);
  const errorText = foreignString(receipt.errorText, snippetChars.provider);
  if (errorCode === undefined) delete clean.errorCode;
  else clean.errorCode = errorCode;
  if (errorText === undefined) delete clean.errorText;
  else clean.errorText = errorText;
  return clean;
}
