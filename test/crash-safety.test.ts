// kill -9 a worker process in the middle of a 2,000-message send, then start another: every
// message reaches the SMTP server at least once, ends `sent` with one `sent` event, and no job
// is left behind. Duplicates are reported, not hidden; they may only be messages whose jobs the
// dead worker still held. Real `aviso worker` processes, a real PostgreSQL and SMTP server.
import { once } from 'node:events';
import { type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config/config.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { type SmtpSink, startSmtpSink } from './helpers/smtp-sink.ts';
import { startWorkerProcess, stopWorkerProcesses, until } from './helpers/worker-process.ts';

const total = 2000;
const batchSize = 500;
const killAfter = 300;
const recipient = (i: number) => `user-${String(i).padStart(4, '0')}@example.com`;

let sink: SmtpSink;
let aviso: TestAviso;

beforeAll(async () => {
  sink = await startSmtpSink();
  // A few ms per message keeps the first worker busy for seconds, so the kill lands mid-send.
  sink.replyDelayMs = 5;
  aviso = await startTestAviso({}, { api: true, worker: false });
});

afterAll(async () => {
  await stopWorkerProcesses();
  await aviso?.stop();
  await sink?.close();
});

/** Worker processes run as shipped: default concurrency and SMTP pool, the default lease. */
function workerEnv(name: string): NodeJS.ProcessEnv {
  // application_name lets the test see when every session of a killed worker is gone.
  const url = new URL(aviso.database.url);
  url.searchParams.set('application_name', name);
  return {
    DATABASE_URL: url.toString(),
    AVISO_SMTP_URL: sink.url,
    AVISO_LOG_LEVEL: 'warn',
    // Ten minutes: a restarted worker that finishes in seconds did not wait for it.
    AVISO_JOB_LEASE_SECONDS: '600',
  };
}

const startWorker = (name: string) => startWorkerProcess(workerEnv(name));

async function count(query: RawBuilder<{ n: number }>): Promise<number> {
  const { rows } = await query.execute(aviso.database.db);
  return rows[0]?.n ?? 0;
}

it('loses nothing and leaves nothing stuck when a worker is killed with SIGKILL mid-delivery', async () => {
  const db = aviso.database.db;
  const started = Date.now();

  for (let from = 0; from < total; from += batchSize) {
    const messages = Array.from({ length: batchSize }, (_, i) => ({
      to: recipient(from + i),
      subject: `Crash safety ${from + i}`,
      text: 'x',
    }));
    const { status, body } = await aviso.request('POST', '/v1/messages/batch', { body: { messages } });
    expect(status).toBe(200);
    expect(body).toMatchObject({ accepted: batchSize, rejected: 0 });
  }
  expect(await count(sql`SELECT count(*)::int AS n FROM delivery_jobs`)).toBe(total);

  // First worker: kill -9 once some, but not all, messages have reached the server.
  const first = startWorker('aviso-crash-worker-1');
  await until(
    () => `${killAfter} messages at the sink; worker output: ${first.output()}`,
    30_000,
    () => {
      if (first.child.exitCode !== null) throw new Error(`worker 1 exited early: ${first.output()}`);
      return sink.received.length >= killAfter;
    },
  );
  first.child.kill('SIGKILL');
  const receivedAtKill = sink.received.length;
  const [, signal] = (await once(first.child, 'exit')) as [number | null, string | null];
  expect(signal).toBe('SIGKILL');
  expect(receivedAtKill).toBeLessThan(total);

  // A statement the dead worker had already sent may still commit; once all its sessions are
  // gone, the jobs it still holds are exactly those the next worker will send (again).
  await until(
    () => 'the killed worker’s sessions to end',
    10_000,
    async () => {
      const sessions = await count(
        sql`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'aviso-crash-worker-1'`,
      );
      return sessions === 0;
    },
  );
  const orphaned = await db
    .selectFrom('delivery_jobs as j')
    .innerJoin('messages as m', 'm.id', 'j.message_id')
    .select(['j.id', 'm.to_address'])
    .where('j.locked_by', 'is not', null)
    .execute();
  const orphanedRecipients = new Set(orphaned.map((j) => j.to_address));
  const jobsAtRestart = await count(sql`SELECT count(*)::int AS n FROM delivery_jobs`);
  expect(jobsAtRestart).toBeGreaterThan(0);

  // Second worker: it must take over the dead worker's claims at once, not after the lease.
  const restarted = Date.now();
  const second = startWorker('aviso-crash-worker-2');
  const orphanIds = orphaned.map((j) => j.id);
  await until(
    () => `the orphaned jobs to be done; worker output: ${second.output()}`,
    30_000,
    async () =>
      orphanIds.length === 0
        ? true
        : (await count(
            sql`SELECT count(*)::int AS n FROM delivery_jobs WHERE id IN (${sql.join(orphanIds)})`,
          )) === 0,
  );
  const pickedUpMs = Date.now() - restarted;
  await until(
    () => `every message to be sent; worker output: ${second.output()}`,
    90_000,
    async () => {
      if (second.child.exitCode !== null) throw new Error(`worker 2 exited early: ${second.output()}`);
      const left = await count(sql`SELECT count(*)::int AS n FROM delivery_jobs`);
      const sent = await count(sql`SELECT count(*)::int AS n FROM messages WHERE status = 'sent'`);
      return left === 0 && sent === total;
    },
  );
  const finishedMs = Date.now() - restarted;
  second.child.kill('SIGTERM');
  const [code] = (await once(second.child, 'exit')) as [number | null];
  expect(code).toBe(0);

  // Every recipient reached the server; only the dead worker's unrecorded sends came twice.
  const received = new Map<string, number>();
  for (const mail of sink.received) for (const to of mail.to) received.set(to, (received.get(to) ?? 0) + 1);
  const duplicates = [...received].filter(([, n]) => n > 1);
  const config = loadConfig({ ...process.env, ...workerEnv('bound') });
  const slots = config.workerConcurrency + config.workerUrgentConcurrency;
  console.log(
    `crash safety: ${total} accepted, killed after ${receivedAtKill} received, ` +
      `${orphaned.length} jobs held by the dead worker (${slots} send slots), ` +
      `${duplicates.length} duplicates; restarted worker took the orphans in ${pickedUpMs} ms, ` +
      `finished in ${finishedMs} ms; ${Date.now() - started} ms since the first accept`,
  );
  const expected = Array.from({ length: total }, (_, i) => recipient(i));
  expect(expected.filter((to) => !received.has(to))).toEqual([]);
  expect(received.size).toBe(total);
  expect(duplicates.filter(([, n]) => n > 2)).toEqual([]);
  expect(sink.received.length).toBe(total + duplicates.length);

  // The bound on duplicates. A message is sent again only if its job survived the crash, i.e.
  // the dead worker had claimed it and its outcome was not yet committed: so duplicates are a
  // subset of `orphaned`. A worker frees a send slot only once the outcome is written, and a
  // lane claims only free slots, so it never holds more jobs than it has slots
  // (AVISO_WORKER_CONCURRENCY + AVISO_WORKER_URGENT_CONCURRENCY).
  expect(duplicates.filter(([to]) => !orphanedRecipients.has(to))).toEqual([]);
  expect(duplicates.length).toBeLessThanOrEqual(orphaned.length);
  expect(orphaned.length).toBeLessThanOrEqual(slots);

  // The database agrees: all sent, one `sent` event each, no other outcome, no job left.
  const statuses = await db
    .selectFrom('messages')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .groupBy('status')
    .execute();
  expect(statuses).toEqual([{ status: 'sent', n: String(total) }]);
  const events = await db
    .selectFrom('message_events')
    .select([
      'type',
      (eb) => eb.fn.countAll<string>().as('n'),
      (eb) => eb.fn.count<string>('message_id').distinct().as('messages'),
    ])
    .groupBy('type')
    .orderBy('type')
    .execute();
  expect(events).toEqual([
    { type: 'accepted', n: String(total), messages: String(total) },
    { type: 'sent', n: String(total), messages: String(total) },
  ]);
  expect(await count(sql`SELECT count(*)::int AS n FROM delivery_jobs`)).toBe(0);

  // Dead workers are detected by their lock, not by the lease running out.
  expect(pickedUpMs).toBeLessThan(15_000);
  expect(Date.now() - started).toBeLessThan(60_000);
}, 120_000);
