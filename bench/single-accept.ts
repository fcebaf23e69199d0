// Scenario "single": autocannon against POST /v1/messages, one ~2 KB HTML message per
// request. The API runs as its own process without the worker (so the worker does not take
// CPU from it on a 2-core machine); autocannon runs in this process, PostgreSQL in its own.
import autocannon from 'autocannon';
import pg from 'pg';
import { openBenchStore, postJson, spawnApi } from './aviso.ts';
import { benchSender, emailHtml, recipient } from './content.ts';
import type { BenchOptions } from './options.ts';
import type { BenchPostgres } from './postgres.ts';
import { reportPeakRss } from './processes.ts';
import { figure, formatCount, formatMs, formatRate, metric, note, verdict } from './report.ts';
import type { Scope } from './scope.ts';

const durationSeconds = 10;
const connections = 32;
const htmlBytes = 2 * 1024;
const warmUpRequests = 200;

export async function runSingleAccept(options: BenchOptions, postgres: BenchPostgres, scope: Scope) {
  const seconds = Math.max(2, Math.round(durationSeconds * options.scale));
  const database = scope.add('single database', await postgres.createDatabase('single'), (d) => d.drop());
  const store = await openBenchStore(options, database.url);
  const aviso = await spawnApi(options, store, database.url).finally(() => store.close());
  scope.add('Aviso API process', aviso, (a) => a.stop());
  const body = JSON.stringify({
    to: recipient('single', 1),
    from: benchSender,
    subject: 'Your order #100001 is confirmed',
    html: emailHtml(htmlBytes, 1),
    tags: ['order-confirmation'],
  });
  note(
    `${seconds} s, ${connections} connections, one message (~2 KB HTML) per request; ` +
      'the API runs as its own `aviso api` process without a worker; autocannon runs in the bench process.',
  );

  for (let i = 0; i < warmUpRequests; i++) {
    const response = await postJson({ url: aviso.url, key: aviso.key }, '/v1/messages', body);
    if (response.status !== 202) throw new Error(`warm-up answered ${response.status}`);
  }
  const result = await autocannon({
    url: `${aviso.url}/v1/messages`,
    method: 'POST',
    headers: { authorization: `Bearer ${aviso.key}`, 'content-type': 'application/json' },
    body,
    connections,
    duration: seconds,
    timeout: 10,
  });
  const stored = (await countStored(database.url)) - warmUpRequests;

  figure('requests/s (mean)', formatRate(result.requests.average, 'requests'));
  figure(
    'latency p50 / p99 / max',
    `${formatMs(result.latency.p50)} / ${formatMs(result.latency.p99)} / ${formatMs(result.latency.max)}`,
  );
  figure(
    '2xx / non-2xx / errors',
    `${formatCount(result['2xx'])} / ${formatCount(result.non2xx)} / ${formatCount(result.errors)}`,
  );
  figure('messages stored (counted in the table)', formatCount(stored));
  metric('requestsPerSecond', result.requests.average);
  metric('latencyP99Ms', result.latency.p99);
  reportPeakRss([aviso]);
  verdict(
    'budget',
    result.requests.average >= 2_000 && result.latency.p99 < 50 && result.non2xx === 0 && result.errors === 0,
    '≥ 2,000 requests/s, p99 < 50 ms, no errors',
  );
  if (stored < result['2xx'])
    throw new Error(`${result['2xx']} requests answered 2xx but only ${stored} messages are stored`);
}

async function countStored(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM messages');
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}
