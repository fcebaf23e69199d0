// API keys: random secrets shown once; only their SHA-256 is stored. A key is high-entropy,
// so a fast hash is enough and lookups stay one indexed query (cached briefly in memory).
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { ApiKeysTable, Database } from '../db/index.ts';
import { newId } from '../ids/index.ts';

export interface ApiKeyInfo {
  id: string;
  projectId: string;
  name: string;
  prefix: string;
  createdAt: Date;
  revokedAt: Date | null;
}

const keyPattern = /^avk_[A-Za-z0-9_-]{43}$/;

function hashKey(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}

export async function createApiKey(
  db: Kysely<Database>,
  projectId: string,
  name: string,
): Promise<{ info: ApiKeyInfo; key: string }> {
  const key = `avk_${randomBytes(32).toString('base64url')}`;
  const row = await db
    .insertInto('api_keys')
    .values({
      id: newId('key'),
      project_id: projectId,
      name,
      secret_hash: hashKey(key),
      prefix: key.slice(0, 10),
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return { info: toInfo(row), key };
}

export async function listApiKeys(db: Kysely<Database>, projectId?: string): Promise<ApiKeyInfo[]> {
  let q = db.selectFrom('api_keys').selectAll().orderBy('created_at');
  if (projectId) q = q.where('project_id', '=', projectId);
  return (await q.execute()).map(toInfo);
}

/** Revokes a key by id or by its shown prefix; returns the revoked key or undefined. */
export async function revokeApiKey(
  db: Kysely<Database>,
  idOrPrefix: string,
): Promise<ApiKeyInfo | undefined> {
  const row = await db
    .updateTable('api_keys')
    .set({ revoked_at: new Date() })
    .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)]))
    .where('revoked_at', 'is', null)
    .returningAll()
    .executeTakeFirst();
  return row && toInfo(row);
}

export interface Authenticated {
  projectId: string;
  keyId: string;
}

/**
 * Resolves a presented key to its project. Results are cached for `ttlMs`, so a key revoked
 * from another process stops working within that time.
 */
export function keyAuthenticator(db: Kysely<Database>, ttlMs = 5_000) {
  const cache = new Map<string, { value: Authenticated | null; until: number }>();
  return async (key: string): Promise<Authenticated | null> => {
    if (!keyPattern.test(key)) return null;
    const now = Date.now();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.value;
    const row = await db
      .selectFrom('api_keys')
      .select(['id', 'project_id'])
      .where('secret_hash', '=', hashKey(key))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    const value = row ? { projectId: row.project_id, keyId: row.id } : null;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { value, until: now + ttlMs });
    return value;
  };
}

function toInfo(row: Selectable<ApiKeysTable>): ApiKeyInfo {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    prefix: row.prefix,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}
