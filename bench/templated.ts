// Scenario "templated": the product's main flow end to end. Order confirmations from the
// starter template (MJML in the default layout, line items, promo, cross-sell; ~31 KB of HTML
// and a text part once rendered) are accepted with their data, then `aviso worker` delivers
// them to the loopback SMTP sink; nodemailer alone sends the same rendered messages (the same
// subject, HTML and text, rendered beforehand) to the same sink in the same run. The budget:
// at least 70 % of nodemailer's rate.
import { loadPublished } from '../src/templates/index.ts';
import { findTemplate } from '../src/templates/store.ts';
import { enqueueMessages, messageInput, openBenchStore } from './aviso.ts';
import { benchSender, recipient } from './content.ts';
import { poolConnections, runDeliveryRace } from './delivery-race.ts';
import { type BenchOptions, scaled } from './options.ts';
import type { BenchPostgres } from './postgres.ts';
import { formatBytes, formatCount, note } from './report.ts';
import type { Scope } from './scope.ts';

const key = 'order-confirmation';
const totalMessages = 10_000;
/** Distinct data (customers, orders), cycled by both senders. */
const distinctData = 16;
const locales = ['en', 'es'] as const;

export async function runTemplated(options: BenchOptions, postgres: BenchPostgres, scope: Scope) {
  const total = scaled(options, totalMessages, 500);
  // Render the raw baseline's messages from the same starter, in a database of their own.
  const reference = scope.add('reference database', await postgres.createDatabase('reference'), (d) =>
    d.drop(),
  );
  const store = await openBenchStore(options, reference.url);
  let sample: Record<string, unknown>;
  let rendered: { subject: string; html?: string; text?: string }[];
  try {
    const template = await findTemplate(store.db, store.projectId, 'template', key);
    if (!template?.latestVersion) throw new Error(`the starter "${key}" is not installed and published`);
    sample = template.sampleData;
    const published = await loadPublished(store.db, store.projectId, [{ key }]);
    rendered = await Promise.all(
      Array.from({ length: distinctData }, async (_, n) => {
        const result = await published.render({
          key,
          locale: locales[n % locales.length],
          data: dataFor(sample, n),
          channels: ['email'],
        });
        const email = result.rendered.email;
        if (!email) throw new Error(`"${key}" rendered no email`);
        return email;
      }),
    );
  } finally {
    await store.close();
  }
  await scope.release(reference);
  const first = rendered[0];
  note(
    `${formatCount(total)} "${key}" messages (${locales.join(' and ')}; rendered HTML ` +
      `${formatBytes(Buffer.byteLength(first?.html ?? ''))}, text ${formatBytes(Buffer.byteLength(first?.text ?? ''))}) ` +
      `to a loopback smtp-server sink; ${poolConnections} SMTP connections on both sides.`,
  );
  await runDeliveryRace(options, postgres, scope, {
    label: 'templated',
    total,
    targetRatio: 0.7,
    raw: (i) => ({ from: benchSender, ...(rendered[i % distinctData] as object) }),
    enqueue: (target) =>
      enqueueMessages(target, total, (i) =>
        messageInput({
          to: recipient('templated', i),
          from: benchSender,
          template: key,
          locale: locales[(i % distinctData) % locales.length],
          data: dataFor(sample, i % distinctData),
        }),
      ),
  });
}

/** The starter's sample data, made different per customer. */
function dataFor(sample: Record<string, unknown>, n: number): Record<string, unknown> {
  const customer = sample.customer as Record<string, unknown>;
  return {
    ...sample,
    customer: { ...customer, firstName: `Ana ${n}`, name: `Ana Díaz ${n}` },
  };
}
