// The PostgreSQL queue itself: claim order, ownership of outcomes, release of a dead
// worker's jobs, and two workers sharing a queue without sending anything twice.
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ProviderRegistry } from '../src/delivery/providers.ts';
import { claimJobs, recordOutcomes, releaseAbandonedJobs, workerLockClass } from '../src/delivery/queue.ts';
import { DeliveryWorker } from '../src/delivery/worker.ts';
import { createLogger } from '../src/log.ts';
import { acceptMessages } from '../src/messages/accept-messages.ts';
import type { MessageInput } from '../src/messages/message-input.ts';
import { messageInputSchema } from '../src/messages/message-input.ts';
import { ensureDefaultProject } from '../src/projects/projects.ts';
import { installationSecret } from '../src/settings/index.ts';
import { testSecrets } from './helpers/aviso.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { type SmtpSink, startSmtpSink } from './helpers/smtp-sink.ts';

let database: TestDatabase;
let projectId: string;
const config = { from: 'Queue Tests <queue@aviso.test>', maxAttachmentBytes: 1_000_000 };

/** Holds the advisory locks of the worker ids these tests claim with: only a live worker claims. */
let workers: pg.Client;

/** A session that holds the lock of each id, as a worker's own session does. */
async function liveSession(ids: number[]): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  for (const id of ids) await client.query('SELECT pg_advisory_lock($1, $2)', [workerLockClass, id]);
  return client;
}

beforeAll(async () => {
  database = await createTestDatabase();
  projectId = (await ensureDefaultProject(database.db)).id;
  workers = await liveSession([900001, ...Array.from({ length: 8 }, (_, i) => 900100 + i)]);
});

afterAll(async () => {
  await workers?.end();
  await database?.drop();
});

beforeEach(async () => {
  await sql`TRUNCATE messages, delivery_jobs, message_events CASCADE`.execute(database.db);
});

async function accept(count: number, priority: 'high' | 'normal' | 'low', prefix: string = priority) {
  const inputs = Array.from(
    { length: count },
    (_, i): MessageInput =>
      messageInputSchema.parse({ to: `${prefix}-${i}@example.com`, subject: 'Queue', text: 'x', priority }),
  );
  const results = await acceptMessages(database.db, config, projectId, inputs);
  return results.map((r) => ('id' in r ? r.id : ''));
}

describe('claimJobs', () => {
  it('claims the most urgent due jobs first', async () => {
    await accept(20, 'low');
    await accept(20, 'normal');
    const high = await accept(3, 'high');
    const claimed = await claimJobs(database.db, '900001', 5, 60);
    expect(
      claimed
        .slice(0, 3)
        .map((j) => j.id)
        .sort(),
    ).toEqual([...high].sort());
    expect(claimed.slice(3).every((j) => j.priority === 2)).toBe(true);
  });

  it('restricted to high priority, claims nothing else', async () => {
    await accept(5, 'normal');
    expect(await claimJobs(database.db, '900001', 5, 60, 1)).toHaveLength(0);
  });

  it('never hands the same job to two claimers', async () => {
    await accept(200, 'normal');
    const claims = await Promise.all(
      Array.from({ length: 8 }, (_, i) => claimJobs(database.db, String(900100 + i), 40, 60)),
    );
    const ids = claims.flat().map((j) => j.job_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.length).toBe(200);
  });

  it('leaves scheduled jobs until they are due', async () => {
    const inputs = [
      messageInputSchema.parse({
        to: 'later@example.com',
        subject: 'x',
        text: 'x',
        sendAt: new Date(Date.now() + 60_000).toISOString(),
      }),
    ];
    await acceptMessages(database.db, config, projectId, inputs);
    expect(await claimJobs(database.db, '900001', 5, 60)).toHaveLength(0);
  });

  it('claims nothing for a worker whose session no longer holds its lock', async () => {
    await accept(3, 'normal');
    const session = await liveSession([900020]);
    expect(await claimJobs(database.db, '900020', 1, 60)).toHaveLength(1);
    await session.end();
    await new Promise((r) => setTimeout(r, 50));
    // Its session gone (a PostgreSQL restart, a lost connection), the worker claims nothing more
    // under that id until it has a new session; whatever it held is released for the others.
    expect(await claimJobs(database.db, '900020', 5, 60)).toHaveLength(0);
    expect(await claimJobs(database.db, '900021', 5, 60)).toHaveLength(0);
    expect(await claimJobs(database.db, '900001', 5, 60)).toHaveLength(2);
  });
});

describe('recordOutcomes', () => {
  it('applies only outcomes for jobs the worker still holds', async () => {
    const [id] = await accept(1, 'normal');
    const [job] = await claimJobs(database.db, '900001', 1, 60);
    const outcome = {
      jobId: job?.job_id as string,
      messageId: id as string,
      status: 'sent' as const,
      event: 'sent' as const,
      details: {},
      provider: 'test',
      providerMessageId: null,
      messageIdHeader: null,
      retryAt: null,
      refs: null,
      at: new Date(),
    };
    expect(await recordOutcomes(database.db, '900002', [outcome])).toBe(0);
    expect(await recordOutcomes(database.db, '900001', [outcome])).toBe(1);
    const message = await database.db
      .selectFrom('messages')
      .select('status')
      .where('id', '=', id as string)
      .executeTakeFirstOrThrow();
    expect(message.status).toBe('sent');
    const jobs = await database.db.selectFrom('delivery_jobs').selectAll().execute();
    expect(jobs).toHaveLength(0);
  });
});

describe('releaseAbandonedJobs', () => {
  it("releases a dead worker's jobs at once, keeps a live worker's, and releases expired leases", async () => {
    await accept(3, 'normal');
    const live = await liveSession([900010]);
    try {
      const dying = await liveSession([900011]);
      await claimJobs(database.db, '900010', 1, 60); // live worker
      await claimJobs(database.db, '900011', 1, 60); // its session ends below: dead
      await dying.end();
      await claimJobs(database.db, '900010', 1, 0); // live, but its lease is already over
      await new Promise((r) => setTimeout(r, 20));
      expect(await releaseAbandonedJobs(database.db)).toBe(2);
      const locked = await database.db
        .selectFrom('delivery_jobs')
        .select('locked_by')
        .where('locked_by', 'is not', null)
        .execute();
      expect(locked).toEqual([{ locked_by: '900010' }]);
    } finally {
      await live.end();
    }
    // Its session gone, the live worker is dead too.
    await new Promise((r) => setTimeout(r, 50));
    expect(await releaseAbandonedJobs(database.db)).toBe(1);
  });
});

describe('two workers on one queue', () => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink();
  });
  afterAll(async () => {
    await sink?.close();
  });

  it('deliver every message exactly once', async () => {
    const count = 600;
    await accept(count, 'normal', 'shared');
    const log = createLogger('silent');
    const secrets = testSecrets();
    const workers = [1, 2].map(() => {
      const providers = new ProviderRegistry(database.db, {
        config: { smtpUrl: sink.url, allowPrivateDestinations: false },
        secrets,
        publicUrl: () => 'http://127.0.0.1',
      });
      const worker = new DeliveryWorker(
        database.db,
        database.url,
        providers,
        {
          concurrency: 8,
          urgentConcurrency: 2,
          pollMs: 50,
          leaseSeconds: 60,
          retry: { baseMs: 100, maxMs: 1000, horizonMs: { email: 60_000, sms: 60_000, whatsapp: 60_000 } },
          bounceDomain: null,
          linkSecret: () => installationSecret(database.db, secrets),
          secrets,
          publicUrl: () => 'http://127.0.0.1',
        },
        log,
      );
      return { worker, providers };
    });
    await Promise.all(workers.map((w) => w.worker.start()));
    try {
      await sink.waitFor(count, 30_000);
      const deadline = Date.now() + 10_000;
      for (;;) {
        const left = await database.db
          .selectFrom('delivery_jobs')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .executeTakeFirstOrThrow();
        if (Number(left.n) === 0 || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      for (const w of workers) {
        await w.worker.stop();
        await w.providers.close();
      }
    }
    const recipients = sink.received.map((m) => m.to[0]);
    expect(recipients).toHaveLength(count);
    expect(new Set(recipients).size).toBe(count);
    const statuses = await database.db
      .selectFrom('messages')
      .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
      .groupBy('status')
      .execute();
    expect(statuses).toEqual([{ status: 'sent', n: String(count) }]);
    const sentEvents = await database.db
      .selectFrom('message_events')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('type', '=', 'sent')
      .executeTakeFirstOrThrow();
    expect(Number(sentEvents.n)).toBe(count);
  });
});
