// One contract for every provider kind in the table (src/providers/provider-kinds.ts), each built
// by its descriptor and run against a real peer: an smtp-server, the fake Twilio, Vonage and
// Graph API over HTTP, the fake SMSC over TCP, PostgreSQL for capture. Every case a kind can
// meet is run; a case it cannot meet is named in `cannot` with the reason, and a test holds the
// two lists to each other, so a kind never passes by leaving a case out.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Kysely, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { z } from 'zod';
import { CaptureProvider, SmtpProvider } from '../src/channels/email/index.ts';
import type {
  CallbackRequest,
  Channel,
  OutgoingEmail,
  OutgoingSms,
  OutgoingWhatsApp,
  ProviderInstance,
  ProviderReceipt,
  SendResult,
} from '../src/channels/index.ts';
import {
  CaptureMessageProvider,
  PermanentError,
  ProviderDownError,
  TransientError,
} from '../src/channels/index.ts';
import { SmppProvider, segmentSms, TwilioProvider, VonageProvider } from '../src/channels/sms/index.ts';
import { WhatsAppCloudProvider } from '../src/channels/whatsapp/index.ts';
import type { Database } from '../src/db/index.ts';
import { providerDestinations } from '../src/net/index.ts';
import { maskSecrets, type ProviderType, providerKinds, providerTypeNames } from '../src/providers/index.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { startFakeSmsc } from './helpers/fake-smsc.ts';
import { startFakeTwilio } from './helpers/fake-twilio.ts';
import { startFakeVonage } from './helpers/fake-vonage.ts';
import { startFakeWhatsApp } from './helpers/fake-whatsapp.ts';
import { startSmtpSink } from './helpers/smtp-sink.ts';

// The peers listen on 127.0.0.1: these tests run as a self-hosted setup that allows it.
const destinations = providerDestinations({ allowPrivateDestinations: true });

type CaseName = 'transient' | 'permanent' | 'rateLimited' | 'timeout' | 'receipt';
const caseNames: CaseName[] = ['transient', 'permanent', 'rateLimited', 'timeout', 'receipt'];

/** A kind's provider against its peer; each optional member is a send that meets that answer. */
interface Harness {
  send(): Promise<SendResult>;
  /** The id the peer gave the message it took last: what send must answer. */
  peerId(): string | null;
  transient?: () => Promise<SendResult>;
  permanent?: () => Promise<SendResult>;
  /** The throttled send, and the wait the wire format gives (undefined: it gives none). */
  rateLimited?: { send: () => Promise<SendResult>; retryAfterMs: number | undefined };
  /** A send whose peer does not answer within the provider's deadline. */
  timeout?: () => Promise<SendResult>;
  /** Makes the peer report on a sent message; resolves to the receipt the kind produced. */
  receipt?: (sent: SendResult) => Promise<ProviderReceipt | undefined>;
  close(): Promise<void>;
}

interface Contract {
  name: string;
  type: ProviderType;
  channel: Channel;
  /** Settings as a project would store them, every secret a value of its own. */
  stored: Record<string, unknown>;
  cannot: Partial<Record<CaseName, string>>;
  start(): Promise<Harness>;
}

const receiptId = 'prov_contract';
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Builds through the kind's descriptor, as the registry does, and checks what it built. */
function build<T>(
  type: ProviderType,
  built: new (...args: never[]) => T,
  context: { channel: Channel; config: Record<string, unknown>; db: Kysely<Database> },
  extra: { callbackUrl?: string; onReceipts?: (receipts: ProviderReceipt[]) => void } = {},
): { provider: T; start: ProviderInstance['start'] } {
  const instance = providerKinds[type].build(context.config, {
    channel: context.channel,
    destinations,
    callbackUrl: extra.callbackUrl,
    db: context.db,
    onReceipts: extra.onReceipts ?? (() => {}),
    log: undefined,
  });
  const { provider } = instance;
  if (!(provider instanceof built)) throw new Error(`the ${type} kind built a ${provider.name} provider`);
  return { provider, start: instance.start };
}

/**
 * Receives a kind's callbacks as /v1/callbacks does: the raw bytes, the query or form as
 * fields, checked with the kind's verify before it is read. Answers 403 to what fails it.
 */
async function startReceiver(type: ProviderType, config: Record<string, unknown>) {
  const callback = providerKinds[type].callback;
  if (!callback) throw new Error(`${type} has no callback`);
  const checks = callback.bind(config);
  const received: ProviderReceipt[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const url = new URL(req.url ?? '/', base);
      const contentType = req.headers['content-type'] ?? '';
      const fields =
        req.method === 'GET'
          ? Object.fromEntries(url.searchParams)
          : contentType.includes('json')
            ? {}
            : Object.fromEntries(new URLSearchParams(rawBody.toString('utf8')));
      const request: CallbackRequest = { url: url.href, headers: req.headers, rawBody, fields };
      const report = checks.verify(request) ? checks.read(request) : null;
      received.push(...(report?.receipts ?? []));
      res.writeHead(report ? 200 : 403).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return {
    url: `${base}/v1/callbacks/${type}/${receiptId}`,
    /** The receipt the kind read from the callback the peer made; the peer saw it taken. */
    async after(answered: Promise<number>): Promise<ProviderReceipt | undefined> {
      expect(await answered).toBe(200);
      return received.at(-1);
    },
  };
}

/** An SMS kind that reports back over HTTP, built with its callback URL pointing at a receiver. */
async function smsOverHttp<T extends { send(message: OutgoingSms): Promise<SendResult> }>(
  type: ProviderType,
  built: new (...args: never[]) => T,
  config: Record<string, unknown>,
) {
  const receiver = await startReceiver(type, config);
  const { db } = await testDatabase();
  const { provider } = build(type, built, { channel: 'sms', config, db }, { callbackUrl: receiver.url });
  return { receiver, provider, send: (to?: string) => provider.send(sms(to)) };
}

let counter = 0;
function sms(to = '+34600111222'): OutgoingSms {
  const text = 'Your Aviso code is 123456';
  return {
    id: `msg_contract_${++counter}`,
    projectId: 'prj_contract',
    priority: 'normal',
    from: null,
    to,
    text,
    ...segmentSms(text),
    validUntil: null,
  };
}

function email(id = `msg_contract_${++counter}`, to = 'ana@example.com'): OutgoingEmail {
  return {
    id,
    projectId: 'prj_contract',
    priority: 'normal',
    from: { email: 'ventas@shop.example' },
    to: { email: to },
    replyTo: null,
    subject: 'Pedido confirmado',
    html: null,
    text: 'Hola Ana',
    headers: {},
    attachments: [],
    messageIdHeader: `<${id}@shop.example>`,
    returnPath: null,
    dkim: null,
  };
}

function whatsapp(to = '+34600111222'): OutgoingWhatsApp {
  return {
    id: `msg_contract_${++counter}`,
    projectId: 'prj_contract',
    priority: 'normal',
    to,
    template: null,
    text: 'Hola Ana, tu pedido ya salió.',
    validUntil: null,
  };
}

/** One database for the file: capture stores its copies there (for a project and its messages). */
let database: Promise<TestDatabase> | undefined;
function testDatabase(): Promise<TestDatabase> {
  database ??= createTestDatabase().then(async (test) => {
    cleanups.unshift(() => test.drop());
    await sql`INSERT INTO projects (id, name) VALUES ('prj_contract', 'contract')`.execute(test.db);
    return test;
  });
  return database;
}

// Accounts the fakes know; every secret a value no other field has.
const twilioAccount = { accountSid: `AC${'a1'.repeat(16)}`, authToken: 'twilio-auth-token-1' };
const vonageAccount = { apiKey: 'vonage-key', apiSecret: 'vonage-api-secret-1' };
const graph = { accessToken: 'EAAG-contract-token', appSecret: 'meta-app-secret-1' };
const graphIds = { phoneNumberId: '106540352242922', wabaId: '102290129340398' };

const captureCannot = {
  transient: 'capture stores the message in Aviso’s own database and fails only when that does',
  permanent: 'capture refuses nothing: it delivers nothing',
  rateLimited: 'capture has no peer to throttle it',
  timeout: 'capture has no peer to wait for',
  receipt: 'capture delivers nothing, so nothing reports back (and send gives no provider id)',
};

const contracts: Contract[] = [
  {
    name: 'smtp against smtp-server',
    type: 'smtp',
    channel: 'email',
    stored: { url: 'smtp://mailer:relay-password-1@relay.example.com:587' },
    cannot: {
      timeout:
        'the relay’s deadlines are fixed (30 s to connect and greet, 120 s of silence); no setting shortens them',
      receipt: 'an SMTP relay reports nothing on the connection: bounces come back by mail (feedback/)',
    },
    async start() {
      const sink = await startSmtpSink();
      const { db } = await testDatabase();
      const { provider } = build('smtp', SmtpProvider, { channel: 'email', config: { url: sink.url }, db });
      const send = (to?: string) => provider.send(email(undefined, to));
      return {
        send: () => send(),
        peerId: () => sink.received.at(-1)?.queueId ?? null,
        transient: () => {
          sink.reply = () => ({ code: 451, message: '4.3.0 Try again later' });
          return send().finally(() => (sink.reply = undefined));
        },
        permanent: () => {
          sink.rcpt = () => ({ code: 550, message: '5.1.1 No such user' });
          return send('nobody@example.com').finally(() => (sink.rcpt = undefined));
        },
        rateLimited: {
          send: () => {
            sink.reply = () => ({ code: 421, message: '4.7.0 Too many messages, slow down' });
            return send().finally(() => (sink.reply = undefined));
          },
          retryAfterMs: undefined,
        },
        close: async () => {
          await provider.close();
          await sink.close();
        },
      };
    },
  },
  ...(['email', 'sms', 'whatsapp'] as const).map(
    (channel): Contract => ({
      name: `capture for ${channel}`,
      type: 'capture',
      channel,
      stored: {},
      cannot: captureCannot,
      async start() {
        const { db } = await testDatabase();
        const context = { channel, config: {}, db };
        const emailCapture = channel === 'email' ? build('capture', CaptureProvider, context).provider : null;
        const otherCapture =
          channel === 'email' ? null : build('capture', CaptureMessageProvider, context).provider;
        return {
          async send() {
            const id = `msg_contract_${++counter}`;
            await sql`INSERT INTO messages (id, project_id, channel, stream, priority, status, to_address, from_address)
              VALUES (${id}, 'prj_contract', ${channel}, 'transactional', 1, 'queued', 'x', 'x')`.execute(db);
            const sent = emailCapture
              ? await emailCapture.send(email(id))
              : await otherCapture?.send(channel === 'sms' ? { ...sms(), id } : { ...whatsapp(), id });
            if (!sent) throw new Error('no capture provider was built');
            const row = await db
              .selectFrom('captured_messages')
              .select('raw')
              .where('message_id', '=', id)
              .executeTakeFirstOrThrow();
            expect(sent.response).toBe(`captured ${row.raw.length} bytes (not delivered)`);
            return sent;
          },
          peerId: () => null,
          close: async () => {
            await emailCapture?.close();
            await otherCapture?.close();
          },
        };
      },
    }),
  ),
  {
    name: 'twilio against the fake Twilio API',
    type: 'twilio',
    channel: 'sms',
    stored: { ...twilioAccount, from: 'Aviso', baseUrl: 'https://api.twilio.com' },
    cannot: {},
    async start() {
      const fake = await startFakeTwilio(twilioAccount);
      cleanups.push(() => fake.close());
      const config = { ...twilioAccount, from: 'Aviso', baseUrl: fake.url };
      const { receiver, provider, send } = await smsOverHttp('twilio', TwilioProvider, config);
      return {
        send: () => send(),
        peerId: () => fake.sent.at(-1)?.sid ?? null,
        transient: () => {
          fake.failNext(1, { status: 503 });
          return send();
        },
        permanent: () => {
          fake.failNumbers.set('+34600000011', { status: 400, code: 21614, message: 'Not a mobile number' });
          return send('+34600000011');
        },
        rateLimited: {
          send: () => {
            fake.failNext(1, { status: 429, retryAfter: 7 });
            return send();
          },
          retryAfterMs: 7_000,
        },
        async timeout() {
          const release = fake.holdAnswers();
          const slow = new TwilioProvider({ ...config, destinations, timeoutMs: 100 });
          return slow.send(sms()).finally(release);
        },
        receipt: (sent) => receiver.after(fake.sendStatus(sent.providerMessageId ?? '', 'delivered')),
        close: () => provider.close(),
      };
    },
  },
  {
    name: 'vonage against the fake Vonage API',
    type: 'vonage',
    channel: 'sms',
    stored: { ...vonageAccount, signatureSecret: 'vonage-signature-1', from: 'Aviso' },
    cannot: {},
    async start() {
      const signatureSecret = 'vonage-signature-1';
      const fake = await startFakeVonage({ ...vonageAccount, signatureSecret });
      cleanups.push(() => fake.close());
      const config = {
        ...vonageAccount,
        signatureSecret,
        signatureMethod: 'md5hash',
        from: 'Aviso',
        baseUrl: fake.url,
      };
      const { receiver, provider, send } = await smsOverHttp('vonage', VonageProvider, config);
      return {
        send: () => send(),
        peerId: () => fake.sent.at(-1)?.messageIds[0] ?? null,
        transient: () => {
          fake.failNext(1, { status: 500 });
          return send();
        },
        permanent: () => {
          fake.failNumbers.set('+34600000011', { status: '6', errorText: 'Unroutable message - rejected' });
          return send('+34600000011');
        },
        rateLimited: {
          send: () => {
            fake.failNext(1, { status: 429, retryAfter: 3 });
            return send();
          },
          retryAfterMs: 3_000,
        },
        async timeout() {
          fake.replyDelayMs = 1_000;
          const slow = new VonageProvider({ ...config, destinations, timeoutMs: 100 });
          return slow.send(sms()).finally(() => (fake.replyDelayMs = 0));
        },
        receipt: (sent) => receiver.after(fake.sendReceipt(sent.providerMessageId ?? '', 'delivered')),
        close: () => provider.close(),
      };
    },
  },
  {
    name: 'smpp against the fake SMSC',
    type: 'smpp',
    channel: 'sms',
    stored: { host: 'smsc.example.com', port: 2775, systemId: 'aviso', password: 'bind-pass', from: 'Aviso' },
    cannot: {},
    async start() {
      // Receipts name ids in the other base than submit_sm_resp: the kind's id forms match them.
      const smsc = await startFakeSmsc({ systemId: 'aviso', password: 'bind-pass', receiptIdForm: 'other' });
      cleanups.push(() => smsc.close());
      const config = {
        host: '127.0.0.1',
        port: smsc.port,
        systemId: 'aviso',
        password: 'bind-pass',
        from: 'Aviso',
      };
      const heard: ProviderReceipt[] = [];
      const { db } = await testDatabase();
      const { provider, start } = build(
        'smpp',
        SmppProvider,
        { channel: 'sms', config, db },
        { onReceipts: (receipts) => void heard.push(...receipts) },
      );
      // The kind's start capability opens the bind, as at worker start.
      expect(start).toBeDefined();
      await start?.();
      const send = (to?: string) => provider.send(sms(to));
      return {
        send: () => send(),
        peerId: () => smsc.submitted.at(-1)?.messageId ?? null,
        transient: () => {
          smsc.rejectDestination('34600000012', 0x14); // ESME_RMSGQFUL
          return send('+34600000012');
        },
        permanent: () => {
          smsc.rejectDestination('34600000011', 0x0b); // ESME_RINVDSTADR
          return send('+34600000011');
        },
        rateLimited: {
          send: () => {
            smsc.throttleNext(1);
            return send();
          },
          // ESME_RTHROTTLED gives no time; the provider waits a second.
          retryAfterMs: 1_000,
        },
        async timeout() {
          const slow = new SmppProvider({ ...config, destinations, submitTimeoutMs: 150 }, () => {});
          await slow.start();
          smsc.responseDelayMs = 500;
          return slow.send(sms()).finally(async () => {
            smsc.responseDelayMs = 0;
            // Let the late submit_sm_resp reach a live session before it unbinds.
            await new Promise((resolve) => setTimeout(resolve, 500));
            await slow.close();
          });
        },
        async receipt(sent) {
          expect(await smsc.sendReceipt(sent.providerMessageId ?? '', 'DELIVRD')).toBe(0);
          return heard.at(-1);
        },
        close: () => provider.close(),
      };
    },
  },
  {
    name: 'whatsapp against the fake Graph API',
    type: 'whatsapp',
    channel: 'whatsapp',
    stored: { ...graph, ...graphIds, verifyToken: 'verify-token-1' },
    cannot: {},
    async start() {
      const fake = await startFakeWhatsApp({ ...graph, ...graphIds, templates: [] });
      cleanups.push(() => fake.close());
      const config = {
        ...graph,
        ...graphIds,
        verifyToken: 'verify-token-1',
        apiVersion: 'v21.0',
        baseUrl: fake.url,
      };
      const receiver = await startReceiver('whatsapp', config);
      const { db } = await testDatabase();
      const { provider } = build('whatsapp', WhatsAppCloudProvider, { channel: 'whatsapp', config, db });
      const send = (to?: string) => provider.send(whatsapp(to));
      return {
        send: () => send(),
        peerId: () => fake.sent.at(-1)?.id ?? null,
        transient: () => {
          fake.failNext(1, { status: 500, code: 131000, message: 'Something went wrong' });
          return send();
        },
        permanent: () => {
          fake.notOnWhatsApp.add('34600000011');
          return send('+34600000011');
        },
        rateLimited: {
          send: () => {
            fake.throughputLimit = 0; // every request is over the throughput: 130429
            return send().finally(() => (fake.throughputLimit = null));
          },
          retryAfterMs: undefined,
        },
        async timeout() {
          fake.replyDelayMs = 500;
          const slow = new WhatsAppCloudProvider({ ...config, destinations, timeoutMs: 50 });
          return slow.send(whatsapp()).finally(() => (fake.replyDelayMs = 0));
        },
        receipt: (sent) =>
          receiver.after(fake.sendStatus(receiver.url, sent.providerMessageId ?? '', 'delivered')),
        close: () => provider.close(),
      };
    },
  },
];

/** A case the kind cannot meet is skipped with its reason, which the run's summary lists. */
function skipWhenItCannot(ctx: TestContext, contract: Contract, name: CaseName): void {
  const reason = contract.cannot[name];
  ctx.skip(reason !== undefined, `${contract.type} cannot have this case: ${reason}`);
}

it('covers every kind in the table', () => {
  expect(new Set(contracts.map((c) => c.type))).toEqual(new Set(providerTypeNames));
  const capture = contracts.filter((c) => c.type === 'capture').map((c) => c.channel);
  expect(capture.sort()).toEqual([...providerKinds.capture.channels].sort());
});

describe.each(contracts)('provider contract: $name', (contract) => {
  const kind = providerKinds[contract.type];
  let harness: Harness;
  beforeAll(async () => {
    harness = await contract.start();
    cleanups.push(() => harness.close());
  });

  it('has each case, or says why it cannot', () => {
    for (const name of caseNames) {
      expect({ name, runs: harness[name] !== undefined }).toEqual({ name, runs: !contract.cannot[name] });
    }
  });

  it('sends, answering the id the peer gave', async () => {
    const sent = await harness.send();
    expect(sent.providerMessageId).toBe(harness.peerId());
    if (contract.type !== 'capture') expect(sent.providerMessageId).toEqual(expect.any(String));
    expect(sent.response).not.toBe('');
  });

  it('leaves a temporary failure as a TransientError', async (ctx) => {
    skipWhenItCannot(ctx, contract, 'transient');
    const error = await harness.transient?.().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(ProviderDownError);
  });

  it('leaves a final refusal as a PermanentError', async (ctx) => {
    skipWhenItCannot(ctx, contract, 'permanent');
    await expect(harness.permanent?.()).rejects.toBeInstanceOf(PermanentError);
  });

  it('leaves a rate limit as a TransientError with the wait the wire gives', async (ctx) => {
    skipWhenItCannot(ctx, contract, 'rateLimited');
    const error = await harness.rateLimited?.send().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(ProviderDownError);
    expect((error as TransientError).details.retryAfterMs).toBe(harness.rateLimited?.retryAfterMs);
  });

  it('gives up on a peer that does not answer: TransientError, no hang', async (ctx) => {
    skipWhenItCannot(ctx, contract, 'timeout');
    const started = Date.now();
    const error = await harness.timeout?.().then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(ProviderDownError);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('reports receipts that name the id send answered', async (ctx) => {
    skipWhenItCannot(ctx, contract, 'receipt');
    const sent = await harness.send();
    const receipt = await harness.receipt?.(sent);
    expect(receipt?.status).toBe('delivered');
    const forms = kind.receipts?.idForms(receipt?.providerMessageId ?? '') ?? [receipt?.providerMessageId];
    expect(forms).toContain(sent.providerMessageId);
  });

  it('masks every secret field, and the schema marks exactly those as passwords', () => {
    expect(kind.schema.safeParse(contract.stored).success).toBe(true);
    const masked = maskSecrets(contract.type, contract.stored);
    const view = JSON.stringify(masked);
    for (const field of kind.secrets) {
      const value = String(contract.stored[field]);
      expect(view).not.toContain(value);
      expect(masked[field]).toBe(`••••${value.length > 8 ? value.slice(-4) : ''}`);
    }
    for (const [field, value] of Object.entries(contract.stored))
      if (!kind.secrets.includes(field)) expect(masked[field]).toEqual(value);
    const properties = (z.toJSONSchema(kind.schema) as { properties?: Record<string, { format?: string }> })
      .properties;
    const passwords = Object.entries(properties ?? {}).filter(([, p]) => p.format === 'password');
    expect(passwords.map(([field]) => field).sort()).toEqual([...kind.secrets].sort());
  });
});
