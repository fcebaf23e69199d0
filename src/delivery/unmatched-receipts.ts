// Delivery reports that arrived before the send they report on was recorded (a fast provider
// answers while the worker has not yet written "sent"), kept in PostgreSQL: the provider was
// answered 2xx and will not send them again, so memory alone would lose them in a restart.
// They are taken back once a ref with their id exists, and dropped after a while.
import { type Kysely, sql } from 'kysely';
import type { ProviderReceipt } from '../channels/index.ts';
import type { Database } from '../db/index.ts';

/** How long a report waits for its message: far longer than any send takes to be recorded. */
const unmatchedReceiptKeepMs = 3_600_000;

export interface UnmatchedReceipt {
  providerId: string;
  receipt: ProviderReceipt;
  /** The ids it may match, the id as given first. */
  forms: string[];
}

export async function storeUnmatched(trx: Kysely<Database>, reports: UnmatchedReceipt[]): Promise<void> {
  if (reports.length === 0) return;
  await trx
    .insertInto('unmatched_receipts')
    .values(
      reports.map((r) => ({ provider_id: r.providerId, forms: r.forms, receipt: JSON.stringify(r.receipt) })),
    )
    .execute();
}

/**
 * Removes and returns, oldest first, up to `limit` stored reports whose id is now known. Inside
 * the transaction that applies them: if that fails, they are back. SKIP LOCKED: processes
 * sweeping at once take different reports.
 */
export async function takeMatched(trx: Kysely<Database>, limit: number): Promise<UnmatchedReceipt[]> {
  const { rows } = await sql<{ id: string; provider_id: string; forms: string[]; receipt: StoredReceipt }>`
    DELETE FROM unmatched_receipts
    WHERE id IN (
      SELECT u.id FROM unmatched_receipts u
      WHERE EXISTS (
        SELECT 1 FROM provider_message_refs r WHERE r.provider_id = u.provider_id AND r.ref = ANY (u.forms))
      ORDER BY u.id
      LIMIT ${limit}
      FOR UPDATE SKIP LOCKED)
    RETURNING id, provider_id, forms, receipt
  `.execute(trx);
  // RETURNING keeps no order: arrival order is id order.
  rows.sort((a, b) => Number(BigInt(a.id) - BigInt(b.id)));
  return rows.map((r) => ({
    providerId: r.provider_id,
    forms: r.forms,
    receipt: { ...r.receipt, at: new Date(r.receipt.at) },
  }));
}

/** Drops reports older than `keepMs`; returns how many. */
export async function expireUnmatched(
  db: Kysely<Database>,
  keepMs = unmatchedReceiptKeepMs,
): Promise<number> {
  const result = await db
    .deleteFrom('unmatched_receipts')
    .where('received_at', '<', new Date(Date.now() - keepMs))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** A ProviderReceipt as JSON stores it. */
type StoredReceipt = Omit<ProviderReceipt, 'at'> & { at: string };
