// Scenario "worker": end-to-end delivery to a loopback SMTP sink, ~7 KB HTML messages.
// First nodemailer alone (pooled, 5 connections, the same messages, the same sink), then
// Aviso: the messages are accepted beforehand, the worker is started and timed until every
// message is `sent` in the database. DESIGN.md asks for at least 70 % of nodemailer's rate.
import nodemailer from 'nodemailer';
import { countByStatus, enqueueMessages, messageInput, startAviso, waitingJobs } from './aviso.ts';
import { benchSender, emailHtml, recipient } from './content.ts';
import { type BenchOptions, scaled } from './options.ts';
import type { BenchPostgres } from './postgres.ts';
import {
  figure,
  formatBytes,
  formatCount,
  formatMs,
  formatRate,
  note,
  perSecond,
  verdict,
} from './report.ts';
import { type Scope, waitUntil, withTimeout } from './scope.ts';
import { type BenchSink, startBenchSink } from './smtp-sink.ts';

const totalMessages = 10_000;
const htmlBytes = 7 * 1024;
/** Distinct bodies, cycled by both senders, so neither pays for building HTML while timed. */
const distinctBodies = 16;
const poolConnections = 5;
/** Messages handed to nodemailer's pool at once (its pool queues them over 5 connections). */
const nodemailerWindow = 64;
const warmUp = 200;

export async function runWorkerThroughput(options: BenchOptions, postgres: BenchPostgres, scope: Scope) {
  const total = scaled(options, totalMessages, 500);
  const timeoutMs = Math.max(60_000, total * 10);
  const bodies = Array.from({ length: distinctBodies }, (_, i) => emailHtml(htmlBytes, i));
  const subject = (i: number) => `Your order #${100_000 + i} has shipped`;
  const sink = scope.add('SMTP sink', await startBenchSink(), (s) => s.close());
  note(
    `${formatCount(total)} messages of ~${formatBytes(htmlBytes)} HTML to a loopback smtp-server sink ` +
      `(no STARTTLS, data discarded); ${poolConnections} SMTP connections on both sides.`,
  );

  const nodemailerRate = await nodemailerAlone(sink, total, bodies, subject, timeoutMs);
  figure('nodemailer alone', formatRate(nodemailerRate, 'messages'));

  const database = scope.add('worker database', await postgres.createDatabase('worker'), (d) => d.drop());
  const api = scope.add(
    'Aviso API',
    await startAviso(options, database.url, { api: true, worker: false }),
    (a) => a.services.stop(),
  );
  const enqueueStarted = performance.now();
  await enqueueMessages(api, total, (i) =>
    messageInput({
      to: recipient('worker', i),
      from: benchSender,
      subject: subject(i),
      html: bodies[i % distinctBodies],
    }),
  );
  note(
    `(${formatCount(total)} messages accepted in ${formatMs(performance.now() - enqueueStarted)}, then the worker starts)`,
  );
  await api.services.stop();

  const receivedBefore = sink.received;
  const started = performance.now();
  const worker = scope.add(
    'Aviso worker',
    await startAviso(
      options,
      database.url,
      { api: false, worker: true },
      { AVISO_SMTP_URL: `${sink.url}?pool=${poolConnections}` },
    ),
    (a) => a.services.stop(),
  );
  await waitUntil(
    async () => (await waitingJobs(worker)) === 0,
    timeoutMs,
    'the worker to send every message',
    50,
  );
  const elapsed = performance.now() - started;
  const sent = await countByStatus(worker, 'sent');
  const avisoRate = perSecond(sent, elapsed);
  figure('Aviso worker (start → all `sent` in the DB)', formatRate(avisoRate, 'messages'));
  figure(
    'messages sent / received by the sink',
    `${formatCount(sent)} / ${formatCount(sink.received - receivedBefore)}`,
  );
  figure('time', formatMs(elapsed));
  const ratio = nodemailerRate > 0 ? avisoRate / nodemailerRate : 0;
  figure('Aviso / nodemailer', `${(ratio * 100).toFixed(1)} %`);
  verdict('budget', ratio >= 0.7 && sent === total, '≥ 70 % of nodemailer alone, every message sent');
  if (sent !== total) throw new Error(`expected ${total} sent messages, found ${sent}`);
}

async function nodemailerAlone(
  sink: BenchSink,
  total: number,
  bodies: string[],
  subject: (i: number) => string,
  timeoutMs: number,
): Promise<number> {
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
          from: benchSender,
          to: address,
          subject: subject(i),
          html: bodies[i % bodies.length],
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
    await withTimeout(sendRange(warmUp, warmUp + total), timeoutMs, 'nodemailer alone');
    return perSecond(total, performance.now() - started);
  } finally {
    transport.close();
  }
}
