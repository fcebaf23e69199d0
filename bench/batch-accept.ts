// Scenario "batch": how many messages per second the API stores durably through
// POST /v1/messages/batch (500 per request, ~2 KB of HTML each, several clients at once).
// The API runs as its own `aviso api` process without the worker; the count is checked in the
// messages table at the end.
import { openBenchStore, postJson, spawnApi, storedMessages } from './aviso.ts';
import { benchSender, emailHtml, recipient } from './content.ts';
import { type BenchOptions, scaled } from './options.ts';
import type { BenchPostgres } from './postgres.ts';
import { reportPeakRss } from './processes.ts';
import {
  figure,
  formatBytes,
  formatCount,
  formatMs,
  formatRate,
  metric,
  note,
  percentile,
  perSecond,
  verdict,
} from './report.ts';
import { type Scope, withTimeout } from './scope.ts';

const totalMessages = 100_000;
const perRequest = 500;
const clients = 4;
const htmlBytes = 2 * 1024;
/** Distinct request bodies, cycled: building a 1 MB body per request would load the client. */
const distinctBodies = 8;
const timeoutMs = 300_000;

export async function runBatchAccept(options: BenchOptions, postgres: BenchPostgres, scope: Scope) {
  const requests = Math.ceil(scaled(options, totalMessages, perRequest * clients) / perRequest);
  const total = requests * perRequest;
  const database = scope.add('batch database', await postgres.createDatabase('batch'), (d) => d.drop());
  const store = scope.add('bench store', await openBenchStore(options, database.url), (s) => s.close());
  const aviso = scope.add('Aviso API process', await spawnApi(options, store, database.url), (a) => a.stop());
  const bodies = Array.from({ length: distinctBodies }, (_, b) => batchBody(b));
  note(
    `${formatCount(total)} messages in ${requests} requests of ${perRequest} (~${formatBytes(htmlBytes)} HTML each, ` +
      `${formatBytes(bodies[0]?.length ?? 0)} per request), ${clients} concurrent clients; API without the worker.`,
  );

  await postJson(aviso, '/v1/messages/batch', bodies[0] as string); // warm-up: JIT, pool, plan cache
  const before = await storedMessages(store);
  const latencies: number[] = [];
  let next = 0;
  const client = async () => {
    while (next < requests) {
      const body = bodies[next++ % distinctBodies] as string;
      const sent = performance.now();
      const response = await postJson(aviso, '/v1/messages/batch', body);
      latencies.push(performance.now() - sent);
      const accepted = (response.body as { accepted?: number }).accepted;
      if (response.status !== 200 || accepted !== perRequest)
        throw new Error(`batch answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
    }
  };
  const started = performance.now();
  await withTimeout(Promise.all(Array.from({ length: clients }, client)), timeoutMs, 'the batch clients');
  const elapsed = performance.now() - started;
  const stored = (await storedMessages(store)) - before;

  figure('messages stored (counted in the table)', `${formatCount(stored)} of ${formatCount(total)}`);
  figure('time', formatMs(elapsed));
  const rate = perSecond(stored, elapsed);
  figure('accept rate', formatRate(rate, 'messages'));
  metric('acceptPerSecond', rate);
  reportPeakRss([aviso]);
  figure(
    'request latency p50 / p99',
    `${formatMs(percentile(latencies, 50))} / ${formatMs(percentile(latencies, 99))}`,
  );
  metric('requestP99Ms', percentile(latencies, 99));
  verdict('budget', rate >= 5_000 && stored === total, '≥ 5,000 messages/s, all stored');
  if (stored !== total) throw new Error(`expected ${total} stored messages, found ${stored}`);
}

function batchBody(seed: number): string {
  const messages = Array.from({ length: perRequest }, (_, i) => {
    const n = seed * perRequest + i;
    return {
      to: recipient('batch', n),
      from: benchSender,
      subject: `Your order #${100_000 + n} is confirmed`,
      html: emailHtml(htmlBytes, n),
      tags: ['order-confirmation'],
      metadata: { orderId: String(100_000 + n) },
    };
  });
  return JSON.stringify({ messages });
}
