// Secrets that belong to this installation rather than to a project: the HMAC key that
// signs tracking links, unsubscribe links and VERP return paths. Created on first use and
// kept in the database, sealed with the master key (secrets/), so every API and worker process
// signs and checks with the same key, and links keep working across restarts and upgrades.
// Every row of `settings` is such a secret: the sealing pass at start treats them so.
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { installationSecretPlace, type Secrets } from '../secrets/index.ts';

const cache = new WeakMap<Kysely<Database>, Map<string, Promise<Buffer>>>();

/** The named 32-byte secret; the first caller anywhere creates it. */
export function installationSecret(
  db: Kysely<Database>,
  secrets: Secrets,
  name = 'link-signing-key',
): Promise<Buffer> {
  let known = cache.get(db);
  if (!known) {
    known = new Map();
    cache.set(db, known);
  }
  let secret = known.get(name);
  if (!secret) {
    secret = loadOrCreate(db, secrets, name);
    // A failed read (database down) must not stick: the next caller tries again.
    secret.catch(() => known.delete(name));
    known.set(name, secret);
  }
  return secret;
}

async function loadOrCreate(db: Kysely<Database>, secrets: Secrets, name: string): Promise<Buffer> {
  const place = installationSecretPlace(name);
  await db
    .insertInto('settings')
    .values({ key: name, value: secrets.seal(randomBytes(32).toString('base64'), place) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db
    .selectFrom('settings')
    .select('value')
    .where('key', '=', name)
    .executeTakeFirstOrThrow();
  return Buffer.from(secrets.open(row.value, place), 'base64');
}
