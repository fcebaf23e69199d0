// Delivery reports are durable once answered 2xx, and applied many to a transaction. A report
// that arrives before the send it reports on is recorded (the provider answered the worker
// late) survives a restart of every Aviso part and is applied once the send is recorded; a
// burst of 1,000 reports is applied exactly once each, in far fewer transactions than reports.
// Real PostgreSQL, the worker sending to a local fake of Twilio that signs its callbacks.
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { type FakeTwilio, startFakeTwilio } from './helpers/fake-twilio.ts';
import { until } from './helpers/worker-process.ts';

const twilioAccount = { accountSid: `AC${'4'.repeat(32)}`, authToken: 'twilio-auth-token' };

let twilio: FakeTwilio;
const running: TestAviso[] = [];
const databases: TestDatabase[] = [];

beforeAll(async () => {
  twilio = await startFakeTwilio(twilioAccount);
});

afterAll(async () => {
  for (const part of running) await part.stop();
  for (const database of databases) await database.drop();
  await twilio?.close();
});

async function database(): Promise<TestDatabase> {
  const created = await createTestDatabase();
  databases.push(created);
  return created;
}

/** Aviso's API and/or worker on `on`, as a process of their own would run them. */
async function start(parts: { api: boolean; worker: boolean }, on: TestDatabase) {
  // The fake Twilio listens on 127.0.0.1, as a self-hosted setup's own gateway would.
  const part = await startTestAviso({ AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' }, parts, on);
  running.push(part);
  return part;
}

async function stop(part: TestAviso) {
  running.splice(running.indexOf(part), 1);
  await part.stop();
}

async function addTwilio(api: TestAviso, rateLimit = 100) {
  const res = await api.request('POST', '/v1/providers', {
    body: {
      name: `twilio-${rateLimit}`,
      type: 'twilio',
      rateLimit,
      config: { ...twilioAccount, from: 'Acme', baseUrl: twilio.url },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as { id: string };
}

async function statusOf(api: TestAviso, id: string): Promise<string | undefined> {
  const row = await api.database.db
    .selectFrom('messages')
    .select('status')
    .where('id', '=', id)
    .executeTakeFirst();
  return row?.status;
}

it('keeps a report that came before its send was recorded, through a restart, and applies it once sent', async () => {
  // API and worker as two parts (two processes in production), on one database.
  const db = await database();
  const api = await start({ api: true, worker: false }, db);
  const worker = await start({ api: false, worker: true }, db);
  const provider = await addTwilio(api);
  await new Promise((r) => setTimeout(r, 100)); // the worker hears of the provider by NOTIFY

  const release = twilio.holdAnswers();
  const before = twilio.sent.length;
  const sent = await api.request('POST', '/v1/messages', { body: { to: '+34600777001', text: 'hola' } });
  expect(sent.status).toBe(202);
  await until(
    () => 'Twilio to take the message',
    10_000,
    () => twilio.sent.length > before,
  );
  const sid = twilio.sent.at(-1)?.sid as string;
  // Twilio reports delivery while the worker still waits for Twilio's answer (no SID yet).
  const callback = `${api.url}/v1/callbacks/twilio/${provider.id}`;
  expect(await twilio.sendStatus(sid, 'delivered', { url: callback })).toBe(204);
  expect(await statusOf(api, sent.body.id)).toBe('queued');

  // The API restarts before the send is recorded; then the worker records it and stops too.
  await stop(api);
  release();
  await until(
    () => 'the send to be recorded',
    10_000,
    async () => (await statusOf(worker, sent.body.id)) === 'sent',
  );
  await stop(worker);

  // Everything starts again; nobody sends the report again (Twilio got its 204).
  const api2 = await start({ api: true, worker: false }, db);
  await start({ api: false, worker: true }, db);
  const delivered = await api2.waitForStatus(sent.body.id, ['delivered'], 10_000);
  expect(delivered.events.map((e: { type: string }) => e.type)).toEqual(['accepted', 'sent', 'delivered']);
  const left = await api2.database.db.selectFrom('unmatched_receipts').select('id').execute();
  expect(left).toEqual([]);
}, 60_000);

it('applies a burst of 1,000 reports exactly once each, many to a transaction', async () => {
  const aviso = await start({ api: true, worker: true }, await database());
  const provider = await addTwilio(aviso, 100_000);
  await new Promise((r) => setTimeout(r, 100));
  const count = 1_000;
  const before = twilio.sent.length;
  const ids: string[] = [];
  for (let from = 0; from < count; from += 500) {
    const res = await aviso.request('POST', '/v1/messages/batch', {
      body: {
        messages: Array.from({ length: 500 }, (_, i) => ({
          to: `+346007${String(10_000 + from + i)}`,
          text: `Pedido ${from + i} enviado`,
        })),
      },
    });
    expect(res.body).toMatchObject({ accepted: 500 });
    ids.push(...res.body.data.map((m: { id: string }) => m.id));
  }
  await until(
    () => `${count} messages sent`,
    60_000,
    async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM messages WHERE status = 'sent'`.execute(aviso.database.db);
      return rows[0]?.n === count;
    },
  );

  // The burst: Twilio posts every report at once, 100 requests in flight at a time.
  const sids = twilio.sent.slice(before).map((m) => m.sid);
  expect(sids).toHaveLength(count);
  const callback = `${aviso.url}/v1/callbacks/twilio/${provider.id}`;
  for (let i = 0; i < count; i += 100) {
    const answers = await Promise.all(
      sids.slice(i, i + 100).map((sid) => twilio.sendStatus(sid, 'delivered', { url: callback })),
    );
    expect(answers.every((a) => a === 204)).toBe(true);
  }

  // Each delivered event row carries the id of the transaction that wrote it (xmin).
  const { rows } = await sql<{ events: number; messages: number; transactions: number }>`
    SELECT count(*)::int AS events, count(DISTINCT message_id)::int AS messages,
      count(DISTINCT xmin::text)::int AS transactions
    FROM message_events WHERE type = 'delivered' AND message_id IN (${sql.join(ids)})
  `.execute(aviso.database.db);
  const applied = rows[0] as { events: number; messages: number; transactions: number };
  console.log(`${count} delivery reports applied in ${applied.transactions} transactions`);
  expect(applied).toMatchObject({ events: count, messages: count });
  expect(applied.transactions).toBeLessThanOrEqual(count / 5);
  const statuses = await aviso.database.db
    .selectFrom('messages')
    .select(['status', (eb) => eb.fn.countAll<string>().as('n')])
    .where('id', 'in', ids)
    .groupBy('status')
    .execute();
  expect(statuses).toEqual([{ status: 'delivered', n: String(count) }]);
}, 120_000);
