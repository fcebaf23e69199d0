// Idempotency-Key: the first request with a key runs and its response is stored in the same
// transaction as its messages; a repeat within 24 hours with the same body gets that stored
// response back, with a different body a 409. Concurrent repeats wait on the key's row lock.
import { createHash } from 'node:crypto';
import { type Kysely, sql, type Transaction } from 'kysely';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';

export interface StoredResponse {
  statusCode: number;
  body: unknown;
}

const keyPattern = /^[\x21-\x7e]{1,255}$/;

/** The key's syntax, for the OpenAPI document. */
export const idempotencyKeyPattern = keyPattern.source;

export function checkIdempotencyKey(key: string): void {
  if (!keyPattern.test(key)) throw new ApiError('invalid_idempotency_key', undefined, 'Idempotency-Key');
}

/** A hash of the request that ignores key order and formatting. */
export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${url}\n`).update(canonicalJson(body)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * Runs `work` once per (project, key). Returns its response, or the stored one with
 * `replayed: true`. If `work` throws, nothing is stored and the key stays free.
 */
export async function runIdempotent(
  db: Kysely<Database>,
  projectId: string,
  key: string,
  hash: string,
  work: (trx: Transaction<Database>) => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  return db.transaction().execute(async (trx) => {
    await trx
      .deleteFrom('idempotency_keys')
      .where('project_id', '=', projectId)
      .where('key', '=', key)
      .where('created_at', '<', sql<Date>`now() - interval '24 hours'`)
      .execute();
    const claimed = await trx
      .insertInto('idempotency_keys')
      .values({ project_id: projectId, key, request_hash: hash })
      .onConflict((oc) => oc.doNothing())
      .returning('key')
      .executeTakeFirst();
    if (!claimed) {
      const previous = await trx
        .selectFrom('idempotency_keys')
        .select(['request_hash', 'status_code', 'response'])
        .where('project_id', '=', projectId)
        .where('key', '=', key)
        .executeTakeFirstOrThrow();
      if (previous.request_hash !== hash)
        throw new ApiError('idempotency_key_reused', undefined, 'Idempotency-Key');
      return { statusCode: previous.status_code ?? 200, body: previous.response, replayed: true };
    }
    const response = await work(trx);
    await trx
      .updateTable('idempotency_keys')
      .set({ status_code: response.statusCode, response: JSON.stringify(response.body) })
      .where('project_id', '=', projectId)
      .where('key', '=', key)
      .execute();
    return { ...response, replayed: false };
  });
}

/** Forgets keys older than 24 hours (housekeeping). */
export async function purgeIdempotencyKeys(db: Kysely<Database>): Promise<number> {
  const result = await db
    .deleteFrom('idempotency_keys')
    .where('created_at', '<', sql<Date>`now() - interval '24 hours'`)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
