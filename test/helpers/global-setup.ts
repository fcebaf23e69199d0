// One PostgreSQL for the whole test run: the server named by TEST_DATABASE_URL (a
// maintenance database such as postgres://…/postgres), or an embedded one in a temporary
// folder. A migrated template database is built once; each test file clones it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import type { Database } from '../../src/db/schema.ts';
import { ensureDefaultProject } from '../../src/projects/projects.ts';

export const templateDatabase = 'aviso_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    adminDatabaseUrl: string;
  }
}

export default async function setup(project: TestProject) {
  let dir: string | undefined;
  let stop = async () => {};
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    dir = mkdtempSync(join(tmpdir(), 'aviso-test-'));
    const server = await startEmbeddedPostgres(dir);
    adminUrl = server.adminUrl;
    stop = () => server.stop();
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${templateDatabase} WITH (FORCE)`);
  await admin.end();
  await createDatabaseIfMissing(adminUrl, templateDatabase);
  const url = new URL(adminUrl);
  url.pathname = `/${templateDatabase}`;
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url.toString() }) }),
  });
  await migrateToLatest(db);
  // The default project with its starter templates, built once and cloned with the database.
  await ensureDefaultProject(db);
  await db.destroy();
  project.provide('adminDatabaseUrl', adminUrl);
  return async () => {
    await stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}
