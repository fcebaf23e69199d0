// Scenario "sms": SMS delivery throughput, start of the worker → every message `sent`, through
// the two kinds of path: SMPP to a local SMSC (the `smpp` package's server, as in the tests,
// answering each submit_sm after 5 ms and sending a DELIVRD receipt for it) and HTTP to a local fake of
// Twilio's Messages API. The messages are accepted beforehand; the providers' rate limits are
// lifted so the figure is the path's own, not a configured limit.
import { providerDestinations } from '../src/net/index.ts';
import { createProvider } from '../src/providers/index.ts';
import { startFakeSmsc } from '../test/helpers/fake-smsc.ts';
import { startFakeTwilio } from '../test/helpers/fake-twilio.ts';
import { countByStatus, enqueueMessages, messageInput, startAviso, waitingJobs } from './aviso.ts';
import { type BenchOptions, scaled } from './options.ts';
import type { BenchPostgres } from './postgres.ts';
import { figure, formatCount, formatMs, formatRate, note, perSecond } from './report.ts';
import { type Scope, waitUntil } from './scope.ts';

const localDestinations = providerDestinations({ allowPrivateDestinations: true });

const totalMessages = 5_000;
const twilioAccount = { accountSid: `AC${'b'.repeat(32)}`, authToken: 'bench-token' };

export async function runSms(options: BenchOptions, postgres: BenchPostgres, scope: Scope) {
  const total = scaled(options, totalMessages, 200);
  note(
    `${formatCount(total)} SMS of 1 segment (GSM-7) per path, accepted first; the worker is timed until all are sent. ` +
      'Rate limits lifted (100,000/s); worker concurrency as configured (32 + 4 urgent).',
  );

  // A real SMSC answers over a network: 5 ms per submit_sm makes the window matter.
  const smsc = scope.add('fake SMSC', await startFakeSmsc({ receipts: 'auto', responseDelayMs: 5 }), (s) =>
    s.close(),
  );
  await runPath(options, postgres, scope, 'smpp', total, {
    name: 'smsc',
    type: 'smpp',
    rateLimit: 100_000,
    config: {
      host: '127.0.0.1',
      port: smsc.port,
      systemId: smsc.systemId,
      password: smsc.password,
      from: 'Bench',
    },
  });
  figure('SMSC: highest submit_sm outstanding at once (window 10)', String(smsc.counters.maxOutstanding));

  const twilio = scope.add('fake Twilio', await startFakeTwilio(twilioAccount), (t) => t.close());
  await runPath(options, postgres, scope, 'twilio', total, {
    name: 'twilio',
    type: 'twilio',
    rateLimit: 100_000,
    config: { ...twilioAccount, from: 'Bench', baseUrl: twilio.url },
  });
}

async function runPath(
  options: BenchOptions,
  postgres: BenchPostgres,
  scope: Scope,
  label: string,
  total: number,
  provider: Record<string, unknown>,
) {
  const database = scope.add(`${label} database`, await postgres.createDatabase(`sms_${label}`), (d) =>
    d.drop(),
  );
  const api = scope.add(
    'Aviso API',
    await startAviso(options, database.url, { api: true, worker: false }),
    (a) => a.services.stop(),
  );
  // The fake providers listen on 127.0.0.1, as a self-hosted setup's own gateway would.
  await createProvider(
    api.services.aviso.db,
    api.services.aviso.secrets,
    api.projectId,
    provider as never,
    localDestinations,
  );
  await enqueueMessages(api.store, total, (i) =>
    messageInput({
      to: `+346${String(10_000_000 + i).slice(-8)}`,
      text: `Your order #${100_000 + i} has shipped.`,
    }),
  );
  await api.services.stop();

  const started = performance.now();
  const worker = scope.add(
    'Aviso worker',
    await startAviso(
      options,
      database.url,
      { api: false, worker: true },
      { AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' },
    ),
    (a) => a.services.stop(),
  );
  await waitUntil(
    async () => (await waitingJobs(worker.store)) === 0,
    Math.max(60_000, total * 20),
    `every ${label} SMS to be sent`,
    50,
  );
  const elapsed = performance.now() - started;
  // Receipts turn `sent` into `delivered` meanwhile: both count as sent.
  const sent = await countByStatus(worker.store, ['sent', 'delivered']);
  figure(`${label}: worker start → all sent`, formatRate(perSecond(sent, elapsed), 'messages'));
  figure(
    `${label}: sent / accepted, time`,
    `${formatCount(sent)} / ${formatCount(total)} in ${formatMs(elapsed)}`,
  );
  if (label === 'smpp') {
    await waitUntil(
      async () => (await countByStatus(worker.store, 'delivered')) === total,
      60_000,
      'every receipt to be applied',
      100,
    ).catch(() => {});
    const delivered = await countByStatus(worker.store, 'delivered');
    figure(
      'smpp: delivered by receipt (deliver_sm)',
      `${formatCount(delivered)} of ${formatCount(total)}, ${formatMs(performance.now() - started)} after start`,
    );
  }
  if (sent !== total) throw new Error(`${label}: expected ${total} sent, found ${sent}`);
}
