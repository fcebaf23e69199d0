// Scenario "queues": the job-queue choice DESIGN.md asked to make by measurement. The same
// PostgreSQL, a fresh database each, 20,000 jobs enqueued in one bulk statement, then claimed
// and completed with a no-op handler by
//   (a) graphile-worker: add_jobs() (its bulk SQL API) into a running run() of concurrency 16;
//   (b) pg-boss: insert(), then work() with batchSize 64 from 16 workers (its poll loop), and
//       its fetch()/complete() primitives in 4 loops of 64 (no poll wait);
//   (c) Aviso: messages + jobs stored by acceptMessages (one storeMessages statement), then
//       claimJobs(64) + recordOutcomes('sent') in 4 loops — what the worker does, minus sending.
import { Logger, run, runMigrations } from 'graphile-worker';
import { sql } from 'kysely';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { openAviso } from '../src/app/index.ts';
import { loadConfig } from '../src/config/index.ts';
import { claimJobs, type Outcome, recordOutcomes, workerLockClass } from '../src/delivery/index.ts';
import { acceptMessages } from '../src/messages/index.ts';
import { messageInput } from './aviso.ts';
import { benchSender, recipient } from './content.ts';
import { type BenchOptions, scaled } from './options.ts';
import type { BenchPostgres } from './postgres.ts';
import { figure, formatCount, formatMs, formatRate, note, perSecond } from './report.ts';
import { type Scope, waitUntil, withTimeout } from './scope.ts';

const totalJobs = 20_000;
const graphileConcurrency = 16;
const bossWorkers = 16;
const claimBatch = 64;
const loops = 4;
/** pg-boss's smallest polling interval (it waits this long after each fetched batch). */
const bossPollingSeconds = 0.5;
const poolSize = 10;

interface QueueResult {
  enqueueMs: number;
  drainMs: number;
}

export async function runQueueLibraries(options: BenchOptions, postgres: BenchPostgres, scope: Scope) {
  const jobs = scaled(options, totalJobs, 1_000);
  const timeoutMs = Math.max(60_000, jobs * 10);
  note(`${formatCount(jobs)} jobs per library, no-op handler, a fresh database each on the same server.`);
  const show = (label: string, detail: string, r: QueueResult) => {
    figure(
      `${label} enqueue`,
      `${formatRate(perSecond(jobs, r.enqueueMs), 'jobs')}  (${formatMs(r.enqueueMs)})`,
    );
    figure(
      `${label} claim + complete`,
      `${formatRate(perSecond(jobs, r.drainMs), 'jobs')}  (${formatMs(r.drainMs)}; ${detail})`,
    );
  };

  const graphileDb = scope.add('graphile database', await postgres.createDatabase('graphile'), (d) =>
    d.drop(),
  );
  show(
    'graphile-worker',
    `concurrency ${graphileConcurrency}`,
    await graphileWorker(graphileDb.url, jobs, timeoutMs),
  );
  await scope.release(graphileDb);

  const bossDb = scope.add('pg-boss database', await postgres.createDatabase('pgboss'), (d) => d.drop());
  const boss = scope.add('pg-boss', await startBoss(bossDb.url), (b) =>
    b.stop({ graceful: true, wait: true, timeout: 10_000 }),
  );
  show(
    'pg-boss work()',
    `${bossWorkers} workers × batchSize ${claimBatch}, polling ${bossPollingSeconds} s`,
    await pgBossWork(boss, jobs, timeoutMs),
  );
  show('pg-boss fetch/complete', `${loops} loops × ${claimBatch}`, await pgBossFetch(boss, jobs, timeoutMs));
  // Stopped before Aviso's turn: its maintenance timers would otherwise run during it.
  await scope.release(boss);
  await scope.release(bossDb);

  const avisoDb = scope.add('Aviso queue database', await postgres.createDatabase('queue'), (d) => d.drop());
  show(
    'Aviso claim/record',
    `${loops} loops × ${claimBatch}; both steps also write the message and its events`,
    await avisoQueue(options, avisoDb.url, jobs, timeoutMs),
  );
  const round = bossWorkers * claimBatch;
  note(
    jobs > round
      ? "pg-boss's work() waits its polling interval after every batch, so its ceiling here is " +
          `${bossWorkers} × ${claimBatch} / ${bossPollingSeconds} s = ${formatCount(round / bossPollingSeconds)} jobs/s.`
      : `All ${formatCount(jobs)} jobs fit in pg-boss's first round of fetches (${formatCount(round)}), so its poll wait does not show at this size.`,
  );
  note(
    'Aviso keeps its own queue: the outcome is written in the statement that completes the job, ' +
      'and dead workers are detected by advisory lock, not by a lease timeout.',
  );
}

async function graphileWorker(url: string, jobs: number, timeoutMs: number): Promise<QueueResult> {
  const logger = new Logger(() => (level, message) => {
    if (level === 'error') process.stderr.write(`graphile-worker: ${message}\n`);
  });
  await runMigrations({ connectionString: url, logger });
  const pool = new pg.Pool({ connectionString: url, max: graphileConcurrency + 2 });
  try {
    let completed = 0;
    // Started on the empty queue, so its start-up is not timed; it hears of new jobs by NOTIFY.
    const runner = await run({
      pgPool: pool,
      concurrency: graphileConcurrency,
      noHandleSignals: true,
      pollInterval: 2_000,
      logger,
      taskList: { noop: async () => {} },
    });
    // job:complete comes after the job's row is deleted (job:success comes before).
    runner.events.on('job:complete', ({ error }) => {
      if (!error) completed++;
    });
    try {
      const specs = JSON.stringify(
        Array.from({ length: jobs }, (_, i) => ({ identifier: 'noop', payload: { i } })),
      );
      const enqueueStarted = performance.now();
      // add_jobs is graphile-worker's bulk API: one statement for the whole array.
      await pool.query(
        'SELECT count(*) FROM graphile_worker.add_jobs(array(SELECT json_populate_recordset(null::graphile_worker.job_spec, $1::json)))',
        [specs],
      );
      const started = performance.now();
      await waitUntil(() => completed >= jobs, timeoutMs, 'graphile-worker to complete every job', 10);
      const drainMs = performance.now() - started;
      const left = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM graphile_worker._private_jobs',
      );
      if (left.rows[0]?.n !== 0) throw new Error(`graphile-worker left ${left.rows[0]?.n} jobs`);
      return { enqueueMs: started - enqueueStarted, drainMs };
    } finally {
      await withTimeout(runner.stop(), 30_000, 'stopping graphile-worker');
    }
  } finally {
    await pool.end();
  }
}

async function startBoss(url: string): Promise<PgBoss> {
  const boss = new PgBoss({ connectionString: url, max: poolSize });
  boss.on('error', (err) => process.stderr.write(`pg-boss: ${err.message}\n`));
  await boss.start();
  return boss;
}

async function bossEnqueue(boss: PgBoss, queue: string, jobs: number): Promise<number> {
  await boss.createQueue(queue);
  const started = performance.now();
  await boss.insert(Array.from({ length: jobs }, (_, i) => ({ name: queue, data: { i } })));
  return performance.now() - started;
}

async function bossCompleted(boss: PgBoss, queue: string): Promise<number> {
  const db = boss.getDb();
  const { rows } = await db.executeSql(
    "SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'completed'",
    [queue],
  );
  return (rows[0] as { n: number } | undefined)?.n ?? 0;
}

async function pgBossWork(boss: PgBoss, jobs: number, timeoutMs: number): Promise<QueueResult> {
  const queue = 'bench-work';
  const enqueueMs = await bossEnqueue(boss, queue, jobs);
  const started = performance.now();
  for (let i = 0; i < bossWorkers; i++) {
    await boss.work(
      queue,
      { batchSize: claimBatch, pollingIntervalSeconds: bossPollingSeconds },
      async () => {},
    );
  }
  // work() completes each batch without awaiting it: count completed rows, not handler calls.
  await waitUntil(
    async () => (await bossCompleted(boss, queue)) >= jobs,
    timeoutMs,
    'pg-boss work() to complete every job',
    20,
  );
  const drainMs = performance.now() - started;
  await boss.offWork(queue);
  return { enqueueMs, drainMs };
}

async function pgBossFetch(boss: PgBoss, jobs: number, timeoutMs: number): Promise<QueueResult> {
  const queue = 'bench-fetch';
  const enqueueMs = await bossEnqueue(boss, queue, jobs);
  const started = performance.now();
  const loop = async () => {
    for (;;) {
      const batch = await boss.fetch(queue, { batchSize: claimBatch });
      if (batch.length === 0) return;
      await boss.complete(
        queue,
        batch.map((j) => j.id),
      );
    }
  };
  await withTimeout(Promise.all(Array.from({ length: loops }, loop)), timeoutMs, 'pg-boss fetch/complete');
  const drainMs = performance.now() - started;
  const completed = await bossCompleted(boss, queue);
  if (completed !== jobs) throw new Error(`pg-boss completed ${completed} of ${jobs} jobs`);
  return { enqueueMs, drainMs };
}

async function avisoQueue(
  options: BenchOptions,
  url: string,
  jobs: number,
  timeoutMs: number,
): Promise<QueueResult> {
  const config = loadConfig(
    { DATABASE_URL: url, AVISO_FROM: benchSender, AVISO_LOG_LEVEL: options.logLevel },
    null,
  );
  const aviso = await openAviso(config, { poolSize });
  try {
    const projectId = aviso.defaultProject.id;
    const inputs = Array.from({ length: jobs }, (_, i) =>
      messageInput({ to: recipient('queue', i), from: benchSender, subject: 'Job', text: 'x' }),
    );
    const enqueueStarted = performance.now();
    await acceptMessages(aviso.db, config, projectId, inputs); // one storeMessages statement
    const enqueueMs = performance.now() - enqueueStarted;
    const worker = await newWorkerId(url);
    const workerId = worker.id;
    const started = performance.now();
    const loop = async () => {
      for (;;) {
        const claimed = await claimJobs(aviso.db, workerId, claimBatch, config.jobLeaseSeconds);
        if (claimed.length === 0) return;
        const at = new Date();
        const outcomes = claimed.map(
          (job): Outcome => ({
            jobId: job.job_id,
            messageId: job.id,
            status: 'sent',
            event: 'sent',
            details: { provider: 'bench' },
            provider: 'bench',
            providerMessageId: null,
            messageIdHeader: null,
            retryAt: null,
            refs: null,
            at,
          }),
        );
        await recordOutcomes(aviso.db, workerId, outcomes);
      }
    };
    await withTimeout(
      Promise.all(Array.from({ length: loops }, loop)),
      timeoutMs,
      'Aviso claim/record loops',
    );
    const drainMs = performance.now() - started;
    const { rows } = await sql<{ left: number; sent: number }>`
      SELECT (SELECT count(*)::int FROM delivery_jobs) AS left,
             (SELECT count(*)::int FROM messages WHERE status = 'sent') AS sent
    `.execute(aviso.db);
    if (rows[0]?.left !== 0 || rows[0]?.sent !== jobs)
      throw new Error(`Aviso queue: ${rows[0]?.left} jobs left, ${rows[0]?.sent} of ${jobs} sent`);
    await worker.session.end();
    return { enqueueMs, drainMs };
  } finally {
    await aviso.close();
  }
}

/** A worker id whose advisory lock a session holds for the bench's life, as a worker's does. */
async function newWorkerId(url: string): Promise<{ id: string; session: pg.Client }> {
  const session = new pg.Client({ connectionString: url });
  await session.connect();
  const { rows } = await session.query<{ id: string }>("SELECT nextval('worker_ids')::text AS id");
  const id = (rows[0] as { id: string }).id;
  await session.query('SELECT pg_advisory_lock($1, $2::int)', [workerLockClass, id]);
  return { id, session };
}
