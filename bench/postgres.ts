// The PostgreSQL the bench runs on: BENCH_DATABASE_URL's server, or an embedded one in a
// temporary folder that is deleted at the end. Each scenario gets a fresh database on it and
// drops it afterwards; it never touches databases it did not create.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabaseIfMissing, startEmbeddedPostgres } from '../src/db/index.ts';

export interface BenchPostgres {
  /** Where the server is, for the output. */
  readonly description: string;
  createDatabase(label: string): Promise<BenchDatabase>;
  stop(): Promise<void>;
}

interface BenchDatabase {
  readonly url: string;
  drop(): Promise<void>;
}

export async function startBenchPostgres(externalUrl: string | undefined): Promise<BenchPostgres> {
  let adminUrl: string;
  let description: string;
  let stopServer = async () => {};
  if (externalUrl) {
    adminUrl = externalUrl;
    description = `external (BENCH_DATABASE_URL, host ${new URL(externalUrl).host})`;
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'aviso-bench-'));
    try {
      const server = await startEmbeddedPostgres(dir);
      adminUrl = server.adminUrl;
      description = `embedded, data in ${dir}`;
      stopServer = async () => {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      };
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }
  const version = await serverVersion(adminUrl);
  return {
    description: `PostgreSQL ${version}, ${description}`,
    async createDatabase(label) {
      const name = `aviso_bench_${label}_${randomBytes(4).toString('hex')}`;
      await createDatabaseIfMissing(adminUrl, name);
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        async drop() {
          const admin = new pg.Client({ connectionString: adminUrl });
          await admin.connect();
          try {
            await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
          } finally {
            await admin.end();
          }
        },
      };
    },
    stop: () => stopServer(),
  };
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? '?';
  } finally {
    await client.end();
  }
}
