// Two real `aviso worker` processes sharing one provider: together they keep to the provider's
// rate limit (not twice it), and to WhatsApp's pair limit (one message per ~6 s to a person),
// because both limits live in PostgreSQL rather than in each process. Measured where it
// counts: at the local fakes of Twilio and the WhatsApp Graph API. The bucket itself is
// checked from two pools, as two processes see it.
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { connect } from '../src/db/index.ts';
import { sharedBucket } from '../src/delivery/rate-buckets.ts';
import type { TokenSource } from '../src/delivery/rate-limiter.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { type FakeTwilio, startFakeTwilio } from './helpers/fake-twilio.ts';
import { type FakeWhatsApp, startFakeWhatsApp } from './helpers/fake-whatsapp.ts';
import {
  startWorkerProcess,
  stopWorkerProcesses,
  until,
  type WorkerProcess,
  workerStarted,
} from './helpers/worker-process.ts';

const twilioAccount = { accountSid: `AC${'3'.repeat(32)}`, authToken: 'twilio-auth-token' };
const whatsappAccount = {
  accessToken: 'EAAG-test-token',
  appSecret: 'meta-app-secret',
  phoneNumberId: '106540352242922',
  wabaId: '102290129340398',
};

let aviso: TestAviso;
let twilio: FakeTwilio;
let meta: FakeWhatsApp;
let workers: WorkerProcess[];

beforeAll(async () => {
  [aviso, twilio, meta] = await Promise.all([
    // The fakes listen on 127.0.0.1, as a self-hosted setup's own gateway would.
    startTestAviso({ AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' }, { api: true, worker: false }),
    startFakeTwilio(twilioAccount),
    startFakeWhatsApp({
      ...whatsappAccount,
      templates: [
        {
          name: 'verification_code',
          language: 'en',
          category: 'AUTHENTICATION',
          components: [
            { type: 'BODY', text: '*{{1}}* is your verification code.' },
            { type: 'BUTTONS', buttons: [{ type: 'OTP', text: 'Copy code' }] },
          ],
        },
      ],
    }),
  ]);
});

/** Two worker processes on the test database, started and ready to claim. */
async function startWorkers(env: Record<string, string> = {}) {
  const all = {
    DATABASE_URL: aviso.database.url,
    AVISO_LOG_LEVEL: 'debug',
    AVISO_WORKER_POLL_MS: '50',
    AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true',
    ...env,
  };
  workers = [startWorkerProcess(all), startWorkerProcess(all)];
  await Promise.all(workers.map((w) => workerStarted(w)));
}

afterEach(() => stopWorkerProcesses());

afterAll(async () => {
  await stopWorkerProcesses();
  await Promise.all([aviso?.stop(), twilio?.close(), meta?.close()]);
});

async function waitUntilAll(ids: string[], status: string, timeoutMs: number) {
  await until(
    () =>
      `${ids.length} messages ${status}; workers: ${workers.map((w) => w.output().slice(-2000)).join('\n')}`,
    timeoutMs,
    async () => {
      const { rows } = await sql<{ n: number }>`
        SELECT count(*)::int AS n FROM messages WHERE id IN (${sql.join(ids)}) AND status = ${status}
      `.execute(aviso.database.db);
      return rows[0]?.n === ids.length;
    },
  );
}

/** How many of `ids` each worker process says it attempted (its debug log lines). */
const attemptsPerWorker = (ids: string[]) =>
  workers.map((w) => ids.filter((id) => w.output().includes(`"messageId":"${id}"`)).length);

it('two worker processes together send at most the provider’s rate limit', async () => {
  await startWorkers();
  const rate = 20;
  const res = await aviso.request('POST', '/v1/providers', {
    body: {
      name: 'twilio',
      type: 'twilio',
      rateLimit: rate,
      config: { ...twilioAccount, from: 'Acme', baseUrl: twilio.url },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  const count = 120;
  const batch = await aviso.request('POST', '/v1/messages/batch', {
    body: {
      messages: Array.from({ length: count }, (_, i) => ({
        to: `+3460011${String(1000 + i)}`,
        text: `Your code is ${100_000 + i}`,
        priority: 'normal',
      })),
    },
  });
  expect(batch.body).toMatchObject({ accepted: count });
  const ids: string[] = batch.body.data.map((m: { id: string }) => m.id);
  await waitUntilAll(ids, 'sent', 30_000);

  const arrivals = twilio.sent.map((m) => m.receivedAt.getTime()).sort((a, b) => a - b);
  expect(arrivals).toHaveLength(count);
  const first = arrivals[0] as number;
  const measured = (count - rate) / (((arrivals.at(-1) as number) - first) / 1000);
  const shares = attemptsPerWorker(ids);
  console.log(
    `shared rate limit ${rate}/s, 2 workers (${shares.join(' + ')} sends): after the burst, ${measured.toFixed(1)}/s`,
  );
  // One bucket for both: a burst of one second's worth (20), then 20/s. By any time t after
  // the first send, at most 20 + 20·t sends. Times are when the fake received them, so 200 ms
  // is allowed for timers and the network (the first send also opened its connection).
  for (const [i, t] of arrivals.entries()) {
    if (i < rate) continue;
    expect(t - first).toBeGreaterThanOrEqual(((i + 1 - rate) / rate) * 1000 - 200);
  }
  // Both processes sent: the limit held across them, not inside one.
  expect(Math.min(...shares)).toBeGreaterThan(10);
  expect(measured).toBeLessThanOrEqual(rate * 1.1);
}, 60_000);

it('two worker processes keep WhatsApp’s pair limit: one message per ~6 s to one recipient', async () => {
  const res = await aviso.request('POST', '/v1/providers', {
    body: {
      name: 'whatsapp',
      type: 'whatsapp',
      config: { ...whatsappAccount, verifyToken: 'verify', baseUrl: meta.url },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  expect((await aviso.request('POST', `/v1/providers/${res.body.id}/whatsapp-templates/sync`)).status).toBe(
    200,
  );
  // One slot each (and one urgent slot, unused: the messages are normal priority), so that
  // two messages accepted together go to the two processes, not both to one.
  await startWorkers({ AVISO_WORKER_CONCURRENCY: '1', AVISO_WORKER_URGENT_CONCURRENCY: '1' });
  // A slow answer keeps the first worker busy while the second claims the other message.
  meta.replyDelayMs = 200;
  const to = '+34600555666';
  const batch = await aviso.request('POST', '/v1/messages/batch', {
    body: {
      messages: ['111222', '333444'].map((code) => ({
        channel: 'whatsapp',
        to,
        template: 'two-factor-code',
        data: { code, expiresInMinutes: 10 },
        locale: 'en',
        priority: 'normal',
      })),
    },
  });
  expect(batch.body, JSON.stringify(batch.body)).toMatchObject({ accepted: 2 });
  const ids: string[] = batch.body.data.map((m: { id: string }) => m.id);
  await waitUntilAll(ids, 'sent', 20_000);

  const times = meta.sent.filter((m) => m.to === '34600555666').map((m) => m.at);
  expect(times).toHaveLength(2);
  console.log(
    `pair pacing, 2 workers (${attemptsPerWorker(ids).join(' + ')} attempts): ${(times[1] as number) - (times[0] as number)} ms apart`,
  );
  expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(5_900);
  // Postponed, not failed: no deferred event.
  for (const id of ids) {
    const message = await aviso.request('GET', `/v1/messages/${id}`);
    expect(message.body.events.map((e: { type: string }) => e.type)).not.toContain('deferred');
  }
}, 60_000);

it('one bucket for every process: it grants no more than it holds, and an urgent take holds others off', async () => {
  const res = await aviso.request('POST', '/v1/providers', {
    body: {
      name: 'twilio-bucket',
      type: 'twilio',
      rateLimit: 2,
      config: { ...twilioAccount, from: 'Acme', baseUrl: twilio.url },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  // Two pools: the buckets of two worker processes.
  const pools = [connect(aviso.database.url, { poolSize: 1 }), connect(aviso.database.url, { poolSize: 1 })];
  try {
    // 2/s: one token every 500 ms, two at most; long enough to be sure of the order of events.
    const [a, b] = pools.map((p) => sharedBucket(p.db, res.body.id, 2)) as [TokenSource, TokenSource];
    expect((await a.take(5, false)).granted).toBe(2);
    expect((await b.take(1, false)).granted).toBe(0);
    // A high-priority send in b finds no token and is told when the next one comes.
    const urgent = await b.take(1, true);
    expect(urgent.granted).toBe(0);
    expect(urgent.retryInMs).toBeGreaterThan(0);
    expect(urgent.retryInMs).toBeLessThanOrEqual(500);
    // When that token is there, a normal send in a does not get it: b's next try does.
    await new Promise((r) => setTimeout(r, urgent.retryInMs + 20));
    const held = await a.take(1, false);
    expect(held.granted).toBe(0);
    expect(held.retryInMs).toBeGreaterThan(0);
    expect((await b.take(1, true)).granted).toBe(1);
    // Served in full, the urgent take lets normal ones have the next token again.
    await new Promise((r) => setTimeout(r, 520));
    expect((await a.take(1, false)).granted).toBe(1);
    // Given back, a token is there for the other process at once.
    await a.giveBack(1);
    expect((await b.take(2, false)).granted).toBe(1);
  } finally {
    await Promise.all(pools.map((p) => p.db.destroy()));
  }
});
