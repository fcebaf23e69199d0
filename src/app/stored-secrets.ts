// Every secret Aviso stores, visited in one pass: the secret fields of provider_configs.config
// (those each provider type marks secret), webhook signing secrets, DKIM private keys and the
// installation secrets in settings. The start seals plaintext left by earlier versions;
// `aviso secrets rotate` re-seals with the newest key; `aviso secrets status` counts per key.
// Only these small configuration tables are read, never messages.
import { type Kysely, sql } from 'kysely';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { providerSecretFields } from '../providers/index.ts';
import {
  dkimKeyPlace,
  installationSecretPlace,
  isSealed,
  loadSecrets,
  providerSecretPlace,
  type SealedUsage,
  type Secrets,
  sealedKeyId,
  webhookSecretPlace,
} from '../secrets/index.ts';

export type SecretKind = 'provider credential' | 'webhook secret' | 'DKIM key' | 'installation secret';

interface StoredSecret {
  kind: SecretKind;
  value: string;
  place: string;
}

/** Returns the new value to store, or undefined to leave it. */
type Visit = (secret: StoredSecret) => string | undefined;

/** Visits every stored secret; with `write`, rows are locked and replaced values are saved. */
async function visitStoredSecrets(db: Kysely<Database>, visit: Visit, write: boolean): Promise<void> {
  const lock = <Q extends { forUpdate(): Q }>(q: Q) => (write ? q.forUpdate() : q);

  for (const row of await lock(
    db.selectFrom('provider_configs').select(['id', 'type', 'config']),
  ).execute()) {
    const config = { ...row.config };
    let changed = false;
    for (const field of providerSecretFields(row.type)) {
      const value = config[field];
      if (typeof value !== 'string') continue;
      const next = visit({ kind: 'provider credential', value, place: providerSecretPlace(row.id, field) });
      if (next === undefined) continue;
      config[field] = next;
      changed = true;
    }
    if (changed && write)
      await db
        .updateTable('provider_configs')
        .set({ config: JSON.stringify(config) })
        .where('id', '=', row.id)
        .execute();
  }

  for (const row of await lock(db.selectFrom('webhook_endpoints').select(['id', 'secret'])).execute()) {
    const next = visit({ kind: 'webhook secret', value: row.secret, place: webhookSecretPlace(row.id) });
    if (next !== undefined && write)
      await db.updateTable('webhook_endpoints').set({ secret: next }).where('id', '=', row.id).execute();
  }

  for (const row of await lock(db.selectFrom('domains').select(['id', 'dkim_private_key'])).execute()) {
    const next = visit({ kind: 'DKIM key', value: row.dkim_private_key, place: dkimKeyPlace(row.id) });
    if (next !== undefined && write)
      await db.updateTable('domains').set({ dkim_private_key: next }).where('id', '=', row.id).execute();
  }

  // Every settings row is an installation secret (see settings/installation-secret.ts).
  for (const row of await lock(db.selectFrom('settings').select(['key', 'value'])).execute()) {
    const next = visit({
      kind: 'installation secret',
      value: row.value,
      place: installationSecretPlace(row.key),
    });
    if (next !== undefined && write)
      await db.updateTable('settings').set({ value: next }).where('key', '=', row.key).execute();
  }
}

export interface SecretCensus {
  /** Per key id: how many values it seals, and one of them. */
  sealed: SealedUsage;
  /** Values not sealed yet (stored before sealing existed). */
  plaintext: number;
}

export async function countStoredSecrets(db: Kysely<Database>): Promise<SecretCensus> {
  const sealed = new Map<string, { count: number; sample: { value: string; place: string } }>();
  let plaintext = 0;
  await visitStoredSecrets(
    db,
    ({ value, place }) => {
      const id = sealedKeyId(value);
      if (id === null) plaintext++;
      else {
        const entry = sealed.get(id);
        if (entry) entry.count++;
        else sealed.set(id, { count: 1, sample: { value, place } });
      }
      return undefined;
    },
    false,
  );
  return { sealed, plaintext };
}

/** First key of the advisory lock that serialises sealing passes (ASCII "SEAL"). */
const sealingLockClass = 0x5345414c;

/**
 * Seals, with the newest key, every stored secret that `needsSealing` picks (plaintext, or
 * sealed with an older key), in one transaction. Returns how many of each kind changed.
 */
async function reseal(
  db: Kysely<Database>,
  secrets: Secrets,
  needsSealing: (value: string) => boolean,
): Promise<Map<SecretKind, number>> {
  const counts = new Map<SecretKind, number>();
  await db.transaction().execute(async (trx) => {
    // Two processes starting at once: the second waits, then finds nothing left to seal.
    await sql`SELECT pg_advisory_xact_lock(${sealingLockClass}, 0)`.execute(trx);
    await visitStoredSecrets(
      trx,
      ({ kind, value, place }) => {
        if (!needsSealing(value)) return undefined;
        counts.set(kind, (counts.get(kind) ?? 0) + 1);
        return secrets.seal(isSealed(value) ? secrets.open(value, place) : value, place);
      },
      true,
    );
  });
  return counts;
}

/** Seals the secrets stored in plaintext (by versions before sealing existed). */
function sealPlaintextSecrets(db: Kysely<Database>, secrets: Secrets): Promise<Map<SecretKind, number>> {
  return reseal(db, secrets, (value) => !isSealed(value));
}

/** Re-seals with the newest key every secret sealed with another one (and any plaintext). */
export function resealWithNewestKey(
  db: Kysely<Database>,
  secrets: Secrets,
): Promise<Map<SecretKind, number>> {
  const newest = secrets.newestKeyId;
  return reseal(db, secrets, (value) => sealedKeyId(value) !== newest);
}

/**
 * The keyring this process uses, checked against the database (a key it lacks stops here with
 * a MasterKeyError), after sealing whatever is still stored in plaintext.
 */
export async function openStoredSecrets(
  db: Kysely<Database>,
  config: Pick<Config, 'masterKey' | 'dataDir'>,
  log: (line: string) => void = () => {},
): Promise<Secrets> {
  const census = await countStoredSecrets(db);
  const secrets = loadSecrets(config, census.sealed);
  if (secrets.source.kind === 'file' && secrets.source.created)
    log(
      `generated the master keyring ${secrets.source.path}: back it up, without it the stored secrets cannot be read; for several processes or an external DATABASE_URL, set AVISO_MASTER_KEY instead`,
    );
  if (census.plaintext > 0) {
    const sealed = await sealPlaintextSecrets(db, secrets);
    const total = [...sealed.values()].reduce((a, b) => a + b, 0);
    if (total > 0) log(`sealed ${total} secrets stored in plaintext with master key ${secrets.newestKeyId}`);
  }
  return secrets;
}
