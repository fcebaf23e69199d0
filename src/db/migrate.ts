// Applies the migrations in migrations/ (kept in code, in order). Safe to run from several
// processes at once: Kysely's migrator takes a lock.
import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import * as foundation from './migrations/0001-foundation.ts';
import * as templates from './migrations/0002-templates.ts';
import * as channels from './migrations/0003-channels.ts';
import * as feedback from './migrations/0004-feedback.ts';
import * as sharedDeliveryState from './migrations/0005-shared-delivery-state.ts';
import type { Database } from './schema.ts';

const migrations: Record<string, Migration> = {
  '0001-foundation': foundation,
  '0002-templates': templates,
  '0003-channels': channels,
  '0004-feedback': feedback,
  '0005-shared-delivery-state': sharedDeliveryState,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Applies every pending migration; returns the names applied now. */
export async function migrateToLatest(db: Kysely<Database>): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    throw new Error(`migration ${failed?.migrationName ?? '?'} failed: ${(error as Error).message ?? error}`);
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
