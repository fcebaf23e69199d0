// A fresh, migrated database for one test file, cloned from the template the global setup
// built. Real PostgreSQL, never a mock.
import { randomBytes } from 'node:crypto';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { inject } from 'vitest';
import { createDatabaseIfMissing } from '../../src/db/embedded-postgres.ts';
import type { Database } from '../../src/db/schema.ts';

export interface TestDatabase {
  url: string;
  db: Kysely<Database>;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = inject('adminDatabaseUrl');
  const name = `aviso_test_${randomBytes(6).toString('hex')}`;
  await createDatabaseIfMissing(adminUrl, name, 'aviso_test_template');
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString(), max: 5 }) }),
  });
  return {
    url: url.toString(),
    db,
    async drop() {
      await db.destroy();
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      // pg's pool.end() resolves before its sockets have closed; terminating a session that is
      // still closing makes its client emit an unhandled 57P01. Give them a moment to go.
      for (let i = 0; i < 40; i++) {
        const { rows } = await admin.query(
          'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
          [name],
        );
        if (rows[0].n === 0) break;
        await new Promise((r) => setTimeout(r, 25));
      }
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
