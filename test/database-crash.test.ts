// A crash of PostgreSQL in the middle of a send: a real `aviso worker` process delivers to a
// real SMTP server from a PostgreSQL cluster of this test's own, and one of the server's
// processes dies with SIGKILL, so PostgreSQL restarts and recovers from the WAL on disk,
// forgetting every commit whose WAL had not reached it. Every message must still be sent, and
// re-sent at most once per send slot of the worker (the bound the README states), not once
// per outcome that was committed without waiting for the disk.
//
// The WAL writer is the process that makes asynchronous commits durable, within 3 ×
// wal_writer_delay (0.6 s) when the host keeps up. The test stops it (SIGSTOP) for a few
// hundred sends before killing it, which makes that window as wide as on a host too busy to
// run it on time, and the outcome of the test independent of scheduling luck.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningServices, startServices } from '../src/app/services.ts';
import { loadConfig } from '../src/config/config.ts';
import { connect, type Database, type EmbeddedPostgres, startEmbeddedPostgres } from '../src/db/index.ts';
import { createLogger } from '../src/log.ts';
import { createApiKey } from '../src/projects/api-keys.ts';
import { type SmtpSink, startSmtpSink } from './helpers/smtp-sink.ts';
import { startWorkerProcess, stopWorkerProcesses, until } from './helpers/worker-process.ts';

const total = 2000;
const batchSize = 500;

let dir: string;
let server: EmbeddedPostgres;
let db: Kysely<Database>;
let sink: SmtpSink;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'aviso-crash-'));
  server = await startEmbeddedPostgres(dir);
  db = connect(server.url, { poolSize: 2, log: () => {} }).db;
  // Nothing else may write the WAL out while the WAL writer is stopped: no background writer,
  // no checkpoint, no autovacuum. Only commits that wait for the disk flush it themselves.
  for (const setting of ['bgwriter_lru_maxpages = 0', "checkpoint_timeout = '1h'", 'autovacuum = off'])
    await sql.raw(`ALTER SYSTEM SET ${setting}`).execute(db);
  await sql`SELECT pg_reload_conf()`.execute(db);
  sink = await startSmtpSink();
  sink.replyDelayMs = 2;
}, 60_000);

afterAll(async () => {
  await stopWorkerProcesses();
  await db?.destroy();
  await sink?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function count(query: string): Promise<number> {
  const { rows } = await sql<{ n: number }>`${sql.raw(query)}`.execute(db);
  return rows[0]?.n ?? 0;
}

/** Like count(), but PostgreSQL may be down or recovering meanwhile: -1 then. */
const tryCount = (query: string) => count(query).catch(() => -1);

async function acceptAll(): Promise<void> {
  const config = loadConfig(
    { DATABASE_URL: server.url, AVISO_PORT: '0', AVISO_FROM: 'Aviso Tests <tests@aviso.test>' },
    null,
  );
  const api: RunningServices = await startServices(config, createLogger('silent'), {
    api: true,
    worker: false,
  });
  try {
    const { key } = await createApiKey(api.aviso.db, api.aviso.defaultProject.id, 'crash');
    for (let from = 0; from < total; from += batchSize) {
      const messages = Array.from({ length: batchSize }, (_, i) => ({
        to: `user-${String(from + i).padStart(4, '0')}@example.com`,
        subject: `Database crash ${from + i}`,
        text: 'x',
      }));
      const response = await fetch(`${api.url}/v1/messages/batch`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ messages }),
      });
      expect(await response.json()).toMatchObject({ accepted: batchSize, rejected: 0 });
    }
  } finally {
    await api.stop();
  }
}

it('fails only the transaction whose connection dies between two of its statements, not the process', async () => {
  const own = connect(server.url, { poolSize: 1 });
  try {
    const failed = own.db.transaction().execute(async (trx) => {
      const { rows } = await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(trx);
      // PostgreSQL ends the session while the transaction waits in Node (no statement running).
      await sql`SELECT pg_terminate_backend(${rows[0]?.pid})`.execute(db);
      await new Promise((r) => setTimeout(r, 200));
      await sql`SELECT 1`.execute(trx);
    });
    await expect(failed).rejects.toThrow();
    // The pool replaces the dead connection.
    const { rows } = await sql<{ one: number }>`SELECT 1 AS one`.execute(own.db);
    expect(rows).toEqual([{ one: 1 }]);
  } finally {
    await own.db.destroy();
  }
});

it('re-sends at most one message per worker slot when PostgreSQL crashes mid-delivery', async () => {
  await acceptAll();
  const env = {
    DATABASE_URL: server.url,
    AVISO_SMTP_URL: sink.url,
    AVISO_LOG_LEVEL: 'warn',
    AVISO_JOB_LEASE_SECONDS: '600',
  };
  const config = loadConfig(env, null);
  const slots = config.workerConcurrency + config.workerUrgentConcurrency;
  const worker = startWorkerProcess(env);
  const sent = "SELECT count(*)::int AS n FROM messages WHERE status = 'sent'";

  await until(
    () => `300 messages sent; worker: ${worker.output()}`,
    60_000,
    async () => (await count(sent)) >= 300,
  );
  const { rows } = await sql<{ pid: number }>`
    SELECT pid FROM pg_stat_activity WHERE backend_type = 'walwriter'`.execute(db);
  const walWriter = rows[0]?.pid as number;
  expect(walWriter).toBeGreaterThan(0);
  process.kill(walWriter, 'SIGSTOP');
  const atStop = await count(sent);
  await until(
    () => `300 more messages sent; worker: ${worker.output()}`,
    60_000,
    async () => (await count(sent)) >= atStop + 300,
  );
  const beforeCrash = await count(sent);
  const receivedAtCrash = sink.received.length;
  process.kill(walWriter, 'SIGKILL');
  expect(beforeCrash).toBeLessThan(total);

  // PostgreSQL recovers on its own; the worker reconnects and finishes.
  await until(
    () => `every message to be sent; worker: ${worker.output()}`,
    120_000,
    async () =>
      (await tryCount('SELECT count(*)::int AS n FROM delivery_jobs')) === 0 &&
      (await tryCount(sent)) === total,
  );
  expect(worker.child.exitCode).toBeNull();

  const received = new Map<string, number>();
  for (const mail of sink.received) for (const to of mail.to) received.set(to, (received.get(to) ?? 0) + 1);
  const duplicates = [...received.values()].filter((n) => n > 1).length;
  console.log(
    `database crash: ${total} accepted, ${beforeCrash} recorded sent and ${receivedAtCrash} received at ` +
      `the crash (WAL writer stopped at ${atStop}); ${duplicates} sent twice (bound: ${slots} slots)`,
  );
  expect(received.size).toBe(total);
  expect([...received.values()].filter((n) => n > 2)).toEqual([]);
  expect(duplicates).toBeLessThanOrEqual(slots);
  // The database agrees: one `sent` event per message, whichever send it records.
  expect(await count("SELECT count(*)::int AS n FROM message_events WHERE type = 'sent'")).toBe(total);
}, 240_000);
