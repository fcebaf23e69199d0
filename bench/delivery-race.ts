// What the worker scenarios share: the same messages sent twice to the same loopback SMTP
// sink, first by nodemailer alone (pooled, the raw baseline), then by Aviso: the messages are
// accepted beforehand, `aviso worker` is started as its own process and timed from the first
// message at the sink (the process's start-up is not delivery) until every message is `sent`
// in the database. Prints both rates, their ratio, and the worker's peak RSS.
import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { type BenchStore, countByStatus, openBenchStore, waitingJobs } from './aviso.ts';
import { recipient } from './content.ts';
import type { BenchOptions } from './options.ts';
import type { BenchPostgres } from './postgres.ts';
import { cpuSeconds, postgresCpuSeconds, reportPeakRss, spawnAviso } from './processes.ts';
import {
  figure,
  formatBytes,
  formatCount,
  formatMs,
  formatRate,
  metric,
  note,
  perSecond,
  verdict,
} from './report.ts';
import { type Scope, waitUntil, withTimeout } from './scope.ts';
import { type BenchSink, startBenchSink } from './smtp-sink.ts';

export const poolConnections = 5;
/** Messages handed to nodemailer's pool at once (its pool queues them over its connections). */
const nodemailerWindow = 64;
const warmUp = 200;

export interface DeliveryRace {
  label: string;
  total: number;
  /** The message nodemailer sends as message i (what Aviso's worker sends for it). */
  raw: (i: number) => SMTPTransport.MailOptions;
  /** Accepts the `total` messages Aviso will send (not timed). */
  enqueue: (store: BenchStore) => Promise<void>;
  /** Aviso's rate must reach this share of nodemailer's. */
  targetRatio: number;
}

export async function runDeliveryRace(
  options: BenchOptions,
  postgres: BenchPostgres,
  scope: Scope,
  race: DeliveryRace,
): Promise<void> {
  const { total } = race;
  const timeoutMs = Math.max(60_000, total * 10);
  const sink = scope.add('SMTP sink', await startBenchSink(), (s) => s.close());
  let bytesBefore = sink.bytes;
  let receivedBefore = sink.received;
  let benchCpu = process.cpuUsage();
  let postgresCpu = postgresCpuSeconds();
  const nodemailerRate = await nodemailerAlone(sink, race, timeoutMs);
  const rawCpu = cpuSince(benchCpu);
  figure('nodemailer alone', formatRate(nodemailerRate, 'messages'));
  const rawSize = (sink.bytes - bytesBefore) / (sink.received - receivedBefore);
  metric('nodemailerPerSecond', nodemailerRate);

  const database = scope.add(`${race.label} database`, await postgres.createDatabase(race.label), (d) =>
    d.drop(),
  );
  const store = scope.add('bench store', await openBenchStore(options, database.url), (s) => s.close());
  const enqueueStarted = performance.now();
  await race.enqueue(store);
  note(
    `(${formatCount(total)} messages accepted in ${formatMs(performance.now() - enqueueStarted)}, then \`aviso worker\` starts)`,
  );

  bytesBefore = sink.bytes;
  receivedBefore = sink.received;
  benchCpu = process.cpuUsage();
  postgresCpu = postgresCpuSeconds();
  let firstAt = 0;
  sink.onMessage = () => {
    firstAt ||= performance.now();
  };
  const worker = scope.add(
    'aviso worker',
    await spawnAviso(options, database.url, 'worker', {
      AVISO_SMTP_URL: `${sink.url}?pool=${poolConnections}`,
    }),
    (w) => w.stop(),
  );
  await waitUntil(
    async () => (await waitingJobs(store)) === 0,
    timeoutMs,
    'the worker to send every message',
  );
  const elapsed = performance.now() - firstAt;
  sink.onMessage = undefined;
  const sinkCpu = cpuSince(benchCpu);
  const workerCpu = cpuSeconds(worker.pid);
  postgresCpu = postgresCpuSeconds() - postgresCpu;
  const sent = await countByStatus(store, 'sent');
  // The first message starts the clock: the rate is of the ones after it.
  const avisoRate = perSecond(sent - 1, elapsed);
  figure('Aviso worker (first at the sink → all `sent` in the DB)', formatRate(avisoRate, 'messages'));
  figure(
    'messages sent / received by the sink',
    `${formatCount(sent)} / ${formatCount(sink.received - receivedBefore)}`,
  );
  figure('time', formatMs(elapsed));
  const avisoSize = (sink.bytes - bytesBefore) / (sink.received - receivedBefore);
  figure(
    'message size at the sink: nodemailer / Aviso',
    `${formatBytes(rawSize)} / ${formatBytes(avisoSize)}`,
  );
  const ratio = nodemailerRate > 0 ? avisoRate / nodemailerRate : 0;
  const perThousand = (seconds: number, n: number) => `${((seconds * 1000) / n).toFixed(2)} s`;
  figure(
    'CPU per 1,000 messages',
    `nodemailer + sink ${perThousand(rawCpu, race.total)}; Aviso: worker ${perThousand(workerCpu, total)}, ` +
      `PostgreSQL ${perThousand(postgresCpu, total)}, sink ${perThousand(sinkCpu, total)}`,
  );
  metric('workerCpuSecondsPerThousand', (workerCpu * 1000) / total);
  metric('postgresCpuSecondsPerThousand', (postgresCpu * 1000) / total);
  figure('Aviso / nodemailer', `${(ratio * 100).toFixed(1)} %`);
  metric('avisoPerSecond', avisoRate);
  metric('ratio', ratio);
  await scope.release(worker);
  reportPeakRss([worker]);
  verdict(
    'budget',
    ratio >= race.targetRatio && sent === total,
    `≥ ${Math.round(race.targetRatio * 100)} % of nodemailer alone, every message sent`,
  );
  if (sent !== total) throw new Error(`expected ${total} sent messages, found ${sent}`);
}

async function nodemailerAlone(sink: BenchSink, race: DeliveryRace, timeoutMs: number): Promise<number> {
  const { port } = new URL(sink.url);
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: poolConnections,
    maxMessages: Number.POSITIVE_INFINITY,
    host: '127.0.0.1',
    port: Number(port),
    secure: false,
  });
  const sendRange = async (from: number, to: number) => {
    let next = from;
    const lane = async () => {
      while (next < to) {
        const i = next++;
        const address = recipient('nodemailer', i);
        await transport.sendMail({
          ...race.raw(i),
          to: address,
          messageId: `<nm-${i}@shop.bench.test>`,
          envelope: { from: 'orders@shop.bench.test', to: [address] },
        });
      }
    };
    await Promise.all(Array.from({ length: nodemailerWindow }, lane));
  };
  try {
    await sendRange(0, warmUp);
    const started = performance.now();
    await withTimeout(sendRange(warmUp, warmUp + race.total), timeoutMs, 'nodemailer alone');
    return perSecond(race.total, performance.now() - started);
  } finally {
    transport.close();
  }
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}
