// Scenario "worker": end-to-end delivery of plain ~7 KB HTML messages to a loopback SMTP sink,
// Aviso's worker against nodemailer alone sending the same messages (delivery-race.ts).
// The budget: at least 85 % of nodemailer's rate in the same run.
import { enqueueMessages, messageInput } from './aviso.ts';
import { benchSender, emailHtml, recipient } from './content.ts';
import { poolConnections, runDeliveryRace } from './delivery-race.ts';
import { type BenchOptions, scaled } from './options.ts';
import type { BenchPostgres } from './postgres.ts';
import { formatBytes, formatCount, note } from './report.ts';
import type { Scope } from './scope.ts';

const totalMessages = 10_000;
const htmlBytes = 7 * 1024;
/** Distinct bodies, cycled by both senders, so neither pays for building HTML while timed. */
const distinctBodies = 16;

export async function runWorkerThroughput(options: BenchOptions, postgres: BenchPostgres, scope: Scope) {
  const total = scaled(options, totalMessages, 500);
  const bodies = Array.from({ length: distinctBodies }, (_, i) => emailHtml(htmlBytes, i));
  const subject = (i: number) => `Your order #${100_000 + i} has shipped`;
  note(
    `${formatCount(total)} messages of ~${formatBytes(htmlBytes)} HTML to a loopback smtp-server sink ` +
      `(no STARTTLS, data discarded); ${poolConnections} SMTP connections on both sides.`,
  );
  await runDeliveryRace(options, postgres, scope, {
    label: 'worker',
    total,
    targetRatio: 0.85,
    raw: (i) => ({ from: benchSender, subject: subject(i), html: bodies[i % distinctBodies] }),
    enqueue: (store) =>
      enqueueMessages(store, total, (i) =>
        messageInput({
          to: recipient('worker', i),
          from: benchSender,
          subject: subject(i),
          html: bodies[i % distinctBodies],
        }),
      ),
  });
}
