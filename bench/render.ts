// Scenario "render": what personalisation costs. The starter order confirmation (MJML in the
// default layout, line items, promo, cross-sell; HTML + derived text part) is rendered from its
// published version: (1) the first render, which compiles; (2) renders in a loop with varying
// data, in-process, with the compile counter showing that nothing compiles again; (3) templated
// messages through POST /v1/messages/batch of an `aviso api` process, accepted and stored
// durably (budget: ≥ 3,000 messages/s, the process under 300 MB RSS).

import { loadPublished, templateCompiles } from '../src/templates/index.ts';
import { findTemplate } from '../src/templates/store.ts';
import { openBenchStore, postJson, spawnApi, startAviso, storedMessages } from './aviso.ts';
import { recipient } from './content.ts';
import { type BenchOptions, scaled } from './options.ts';
import type { BenchPostgres } from './postgres.ts';
import { reportPeakRss } from './processes.ts';
import {
  figure,
  formatCount,
  formatMs,
  formatRate,
  metric,
  note,
  percentile,
  perSecond,
  verdict,
} from './report.ts';
import type { Scope } from './scope.ts';

const key = 'order-confirmation';
const loopRenders = 5_000;
const batchMessages = 20_000;
const perRequest = 500;
const clients = 2;

export async function runRender(options: BenchOptions, postgres: BenchPostgres, scope: Scope) {
  const database = scope.add('render database', await postgres.createDatabase('render'), (d) => d.drop());
  const aviso = scope.add(
    'Aviso API',
    await startAviso(options, database.url, { api: true, worker: false }),
    (a) => a.services.stop(),
  );
  const db = aviso.services.aviso.db;
  const template = await findTemplate(db, aviso.projectId, 'template', key);
  if (!template?.latestVersion) throw new Error(`the starter "${key}" is not installed and published`);
  const sample = template.sampleData;
  const dataFor = (n: number) => ({
    ...sample,
    customer: { ...(sample.customer as object), firstName: `Ana ${n}`, name: `Ana Díaz ${n}` },
  });

  const published = await loadPublished(db, aviso.projectId, [{ key }]);
  const compilesBefore = templateCompiles();
  let started = performance.now();
  const first = await published.render({ key, locale: 'es', data: dataFor(0), channels: ['email'] });
  const firstMs = performance.now() - started;
  note(
    `"${key}" version ${first.version} (MJML + layout; HTML ${Math.round((first.rendered.email?.html?.length ?? 0) / 1024)} KB, ` +
      `text ${Math.round((first.rendered.email?.text?.length ?? 0) / 1024)} KB), locale es.`,
  );
  figure('first render (compiles MJML + Liquid)', formatMs(firstMs));

  const renders = scaled(options, loopRenders, 200);
  const latencies: number[] = [];
  started = performance.now();
  for (let i = 1; i <= renders; i++) {
    const t = performance.now();
    await published.render({ key, locale: 'es', data: dataFor(i), channels: ['email'] });
    latencies.push(performance.now() - t);
  }
  const loopMs = performance.now() - started;
  figure(
    `renders in a loop (${formatCount(renders)}, one core)`,
    formatRate(perSecond(renders, loopMs), 'renders'),
  );
  metric('loopRendersPerSecond', perSecond(renders, loopMs));
  figure(
    'render p50 / p99',
    `${formatMs(percentile(latencies, 50))} / ${formatMs(percentile(latencies, 99))}`,
  );
  figure(
    'compiles during all of the above',
    `${templateCompiles() - compilesBefore} (1 expected: once per version and locale)`,
  );

  const total = Math.ceil(scaled(options, batchMessages, perRequest * clients) / perRequest) * perRequest;
  const bodies = Array.from({ length: 4 }, (_, b) =>
    JSON.stringify({
      messages: Array.from({ length: perRequest }, (_, i) => ({
        to: recipient('render', b * perRequest + i),
        template: key,
        locale: i % 2 ? 'en' : 'es-MX',
        data: dataFor(b * perRequest + i),
      })),
    }),
  );
  // The in-process API served the loop above; the batch goes to an `aviso api` process, alone.
  await scope.release(aviso);
  const store = scope.add('bench store', await openBenchStore(options, database.url), (s) => s.close());
  const api = scope.add('Aviso API process', await spawnApi(options, store, database.url), (a) => a.stop());
  await postJson(api, '/v1/messages/batch', bodies[0] as string);
  const before = await storedMessages(store);
  let next = 0;
  const requests = total / perRequest;
  started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (next < requests) {
        const response = await postJson(api, '/v1/messages/batch', bodies[next++ % bodies.length] as string);
        if ((response.body as { accepted?: number }).accepted !== perRequest) {
          throw new Error(
            `batch answered ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`,
          );
        }
      }
    }),
  );
  const batchMs = performance.now() - started;
  const stored = (await storedMessages(store)) - before;
  figure(
    `templated batch accept (${formatCount(stored)} stored)`,
    formatRate(perSecond(stored, batchMs), 'messages'),
  );
  metric('templatedAcceptPerSecond', perSecond(stored, batchMs));
  reportPeakRss([api]);
  verdict(
    'budget',
    perSecond(stored, batchMs) >= 3_000 && stored === total,
    '≥ 3,000 messages/s, all stored',
  );
  if (stored !== total) throw new Error(`expected ${total} stored messages, found ${stored}`);
}
