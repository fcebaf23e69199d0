// Secrets that belong to this installation rather than to a project: the HMAC key that
// signs tracking links, unsubscribe links and VERP return paths. Created on first use and
// kept in the database, so every API and worker process signs and checks with the same key,
// and links keep working across restarts and upgrades.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';

const cache = new WeakMap<Kysely<Database>, Map<string, Promise<Buffer>>>();

/** The named 32-byte secret; the first caller anywhere creates it. */
export function installationSecret(db: Kysely<Database>, name = 'link-signing-key'): Promise<Buffer> {
  let secrets = cache.get(db);
  if (!secrets) {
    secrets = new Map();
    cache.set(db, secrets);
  }
  let secret = secrets.get(name);
  if (!secret) {
    secret = loadOrCreate(db, name);
    // A failed read (database down) must not stick: the next caller tries again.
    secret.catch(() => secrets.delete(name));
    secrets.set(name, secret);
  }
  return secret;
}

async function loadOrCreate(db: Kysely<Database>, name: string): Promise<Buffer> {
  await db
    .insertInto('settings')
    .values({ key: name, value: randomBytes(32).toString('base64') })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', name)
    .executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64');
}
