// Scenario "priority": 100,000 normal-priority messages wait; while the worker drains them
// to the SMTP sink, high-priority messages (2FA codes) arrive through POST /v1/messages
// every 20 ms. For each: time from the API's 202 to the sink receiving it (and, as a cross
// check, to the `sent` event the worker records). DESIGN.md: p99 < 1 s.
import {
  type BenchAviso,
  enqueueMessages,
  messageInput,
  postJson,
  startAviso,
  waitingJobs,
} from './aviso.ts';
import { benchSender, emailHtml, recipient } from './content.ts';
import { type BenchOptions, scaled } from './options.ts';
import type { BenchPostgres } from './postgres.ts';
import { figure, formatCount, formatMs, metric, note, percentile, verdict } from './report.ts';
import { type Scope, sleep, waitUntil, withTimeout } from './scope.ts';
import { startBenchSink } from './smtp-sink.ts';

const bulkMessages = 100_000;
const urgentMessages = 200;
const spacingMs = 20;
const htmlBytes = 2 * 1024;
const distinctBodies = 16;
const urgentPrefix = 'urgent';

export async function runPriority(options: BenchOptions, postgres: BenchPostgres, scope: Scope) {
  const bulk = scaled(options, bulkMessages, 2_000);
  const urgent = scaled(options, urgentMessages, 50);
  const sink = scope.add('SMTP sink', await startBenchSink(), (s) => s.close());
  sink.watch = (address) => address.startsWith(`${urgentPrefix}-`);
  const database = scope.add('priority database', await postgres.createDatabase('priority'), (d) => d.drop());
  const api = scope.add(
    'Aviso API',
    await startAviso(options, database.url, { api: true, worker: false }),
    (a) => a.services.stop(),
  );
  note(
    `${formatCount(bulk)} normal-priority messages (~2 KB HTML) queued, then ${urgent} high-priority ` +
      `messages sent through POST /v1/messages ${spacingMs} ms apart while the worker drains the bulk.`,
  );

  const bodies = Array.from({ length: distinctBodies }, (_, i) => emailHtml(htmlBytes, i));
  const enqueueStarted = performance.now();
  await enqueueMessages(api.store, bulk, (i) =>
    messageInput({
      to: recipient('bulk', i),
      from: benchSender,
      subject: 'This week at Example Shop',
      html: bodies[i % distinctBodies],
      stream: 'transactional',
    }),
  );
  note(`(bulk accepted in ${formatMs(performance.now() - enqueueStarted)})`);

  const worker = scope.add(
    'Aviso worker',
    await startAviso(options, database.url, { api: false, worker: true }, { AVISO_SMTP_URL: sink.url }),
    (a) => a.services.stop(),
  );
  const drainUnderway = Math.min(1_000, Math.floor(bulk / 10));
  await waitUntil(() => sink.received >= drainUnderway, 60_000, 'the worker to start draining the bulk');

  const accepted = new Map<string, { id: string; at: number; wall: number }>();
  const acceptLatencies: number[] = [];
  const sendUrgent = async (i: number) => {
    const address = recipient(urgentPrefix, i);
    const body = JSON.stringify({
      to: address,
      from: benchSender,
      subject: 'Your sign-in code',
      text: `Your code is ${String(100_000 + i).slice(-6)}. It expires in 10 minutes.`,
      priority: 'high',
    });
    const sent = performance.now();
    const response = await postJson(api, '/v1/messages', body);
    const at = performance.now();
    if (response.status !== 202) throw new Error(`high-priority send answered ${response.status}`);
    acceptLatencies.push(at - sent);
    accepted.set(address, { id: (response.body as { id: string }).id, at, wall: Date.now() });
  };
  const firing = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < urgent; i++) {
    await sleep(Math.max(0, firing + i * spacingMs - performance.now()));
    sends.push(sendUrgent(i));
  }
  await withTimeout(Promise.all(sends), 60_000, 'the high-priority requests');
  await waitUntil(() => sink.arrivals.size >= urgent, 60_000, 'every high-priority message at the sink');
  const bulkLeft = await waitingJobs(worker.store);

  const handOff = [...accepted].map(([address, a]) => (sink.arrivals.get(address) as number) - a.at);
  const ids = [...accepted.values()].map((a) => a.id);
  // The worker writes outcomes a few ms after the provider answers.
  let sentEvents = new Map<string, number>();
  await waitUntil(
    async () => {
      sentEvents = await sentEventTimes(worker, ids);
      return sentEvents.size >= ids.length;
    },
    10_000,
    'the `sent` events of the high-priority messages',
  ).catch(() => {});
  const recorded = [...accepted.values()].flatMap((a) => {
    const at = sentEvents.get(a.id);
    return at === undefined ? [] : [at - a.wall];
  });

  figure('bulk messages still queued at the end', `${formatCount(bulkLeft)} of ${formatCount(bulk)}`);
  if (bulkLeft === 0)
    note(
      '!! the bulk was fully drained before the last high-priority message: raise BENCH_SCALE for a real test',
    );
  figure(
    'accept (POST answered) p50 / p99',
    `${formatMs(percentile(acceptLatencies, 50))} / ${formatMs(percentile(acceptLatencies, 99))}`,
  );
  figure(
    'accept → at the sink p50 / p99 / max',
    `${formatMs(percentile(handOff, 50))} / ${formatMs(percentile(handOff, 99))} / ${formatMs(Math.max(...handOff))}`,
  );
  figure(
    'accept → `sent` event p50 / p99 / max',
    recorded.length === 0
      ? 'no sent events found'
      : `${formatMs(percentile(recorded, 50))} / ${formatMs(percentile(recorded, 99))} / ${formatMs(Math.max(...recorded))} (${recorded.length} events)`,
  );
  metric('handOffP99Ms', percentile(handOff, 99));
  verdict('budget', percentile(handOff, 99) < 1_000 && bulkLeft > 0, 'p99 < 1 s while bulk waits');
}

async function sentEventTimes(aviso: BenchAviso, ids: string[]): Promise<Map<string, number>> {
  const rows = await aviso.services.aviso.db
    .selectFrom('message_events')
    .select(['message_id', 'created_at'])
    .where('message_id', 'in', ids)
    .where('type', '=', 'sent')
    .execute();
  return new Map(rows.map((r) => [r.message_id, r.created_at.getTime()]));
}
