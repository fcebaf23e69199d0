// Opens the database Aviso uses: the external one named by DATABASE_URL, or the embedded
// server in the data directory. Callers get one Kysely instance and one close().
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Config } from '../config/index.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './embedded-postgres.ts';
import type { Database } from './schema.ts';
import type { SupervisionPolicy } from './supervisor.ts';

// bigint columns (ids, counts) as strings are exact; timestamps stay Date.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => v);

export interface OpenDatabase {
  db: Kysely<Database>;
  pool: pg.Pool;
  url: string;
  embedded?: EmbeddedPostgres;
  close(): Promise<void>;
}

export interface OpenOptions {
  poolSize?: number;
  log?: (line: string) => void;
  /** Restart the embedded server when it dies (long-running processes; see Supervisor). */
  supervise?: SupervisionPolicy & { warn: (line: string) => void };
}

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  options: OpenOptions = {},
): Promise<OpenDatabase> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres(config.dataDir, options.log, { supervise: options.supervise });
  const url = config.databaseUrl ?? (embedded as EmbeddedPostgres).url;
  const { db, pool } = connect(url, { poolSize: options.poolSize, log: options.log });
  return {
    db,
    pool,
    url,
    embedded,
    async close() {
      await db.destroy();
      await embedded?.stop();
    },
  };
}

/**
 * A Kysely instance with its own pool. `asyncCommit` sets synchronous_commit=off for its
 * sessions: commits return before the WAL reaches disk, so a PostgreSQL crash may forget the
 * last fraction of a second of them. Use it only for writes that are safe to lose (see the
 * delivery worker), never for accepting messages.
 */
export function connect(
  url: string,
  options: { poolSize?: number; asyncCommit?: boolean; log?: (line: string) => void } = {},
): { db: Kysely<Database>; pool: pg.Pool } {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 20,
    ...(options.asyncCommit ? { options: '-c synchronous_commit=off' } : {}),
  });
  // An idle client losing its connection (database restart) must not crash the process.
  pool.on('error', (err) => options.log?.(`database connection lost: ${err.message}`));
  pool.on('connect', (client) => {
    // Nor a checked-out one between two statements of a transaction (the pool listens only
    // to idle ones): the transaction's next statement fails, and the client is discarded.
    client.on('error', () => {});
    prepareNamedStatements(client);
  });
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), pool };
}

/** Whether the database answers a query right now (readiness: /readyz). */
export async function isDatabaseReachable(db: Kysely<Database>): Promise<boolean> {
  try {
    await sql`SELECT 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}

const preparedMarker = /^\s*\/\* prepared:([\w-]+) \*\//;

/**
 * Statements whose text starts with `/* prepared:<name> *\/` are sent as named prepared
 * statements: PostgreSQL parses and plans them once per connection instead of at every call.
 * For the accept statement that planning cost more than executing it. Kysely has no option for
 * it, so the pool's clients recognise the marker; elsewhere (another pool) the marker is only a
 * comment and the statement runs as usual.
 */
function prepareNamedStatements(client: pg.PoolClient): void {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  client.query = ((text: unknown, ...rest: unknown[]) => {
    const name = typeof text === 'string' ? preparedMarker.exec(text)?.[1] : undefined;
    if (name === undefined) return query(text, ...rest);
    const [values, callback] = rest;
    return query({ name, text, values }, ...(callback ? [callback] : []));
  }) as typeof client.query;
}
