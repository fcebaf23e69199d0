// The WhatsApp Cloud API provider, template listing and webhooks against the fake Graph API
// over real HTTP, and the pure parts (parameter counting, signatures, parsing) on their own.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type OutgoingWhatsApp,
  PermanentError,
  ProviderDownError,
  type ProviderReceipt,
  TransientError,
  type WhatsAppComponent,
} from '../src/channels/index.ts';
import {
  answerVerification,
  classifyGraphError,
  countParameters,
  fetchTemplates,
  isStopReply,
  parseWebhook,
  type TemplateComponent,
  verifyHubSignature,
  WhatsAppCloudProvider,
} from '../src/channels/whatsapp/index.ts';
import { providerDestinations } from '../src/net/index.ts';
import { type FakeTemplate, type FakeWhatsApp, startFakeWhatsApp } from './helpers/fake-whatsapp.ts';

// The fakes listen on 127.0.0.1: these tests run as a self-hosted setup that allows it.
const destinations = providerDestinations({ allowPrivateDestinations: true });

const accessToken = 'EAAG-test-token';
const appSecret = 'app-secret-1234';
const phoneNumberId = '106540352242922';
const wabaId = '102290129340398';
const verifyToken = 'verify-me';

const orderShipped: FakeTemplate = {
  name: 'order_shipped',
  language: 'es_MX',
  category: 'UTILITY',
  components: [
    { type: 'HEADER', format: 'DOCUMENT' },
    { type: 'BODY', text: 'Hola {{1}}, tu pedido {{2}} ya salió.' },
    { type: 'FOOTER', text: 'Gracias' },
    {
      type: 'BUTTONS',
      buttons: [
        { type: 'URL', text: 'Seguir', url: 'https://shop.example/track/{{1}}' },
        { type: 'QUICK_REPLY', text: 'Stop promotions' },
      ],
    },
  ],
};

const templates: FakeTemplate[] = [
  orderShipped,
  { name: 'hello', language: 'en', components: [{ type: 'BODY', text: 'Hello!' }] },
  { name: 'hello', language: 'es', components: [{ type: 'BODY', text: '¡Hola!' }] },
  { name: 'code', language: 'en', category: 'AUTHENTICATION', components: [{ type: 'BODY', text: '{{1}}' }] },
  { name: 'draft', language: 'en', status: 'PENDING', components: [{ type: 'BODY', text: 'Later' }] },
];

function message(overrides: Partial<OutgoingWhatsApp>): OutgoingWhatsApp {
  return {
    id: 'msg_1',
    projectId: 'prj_1',
    priority: 'normal',
    to: '+34600111222',
    template: null,
    text: null,
    validUntil: null,
    ...overrides,
  };
}

const hello = (name = 'hello', language = 'en') => message({ template: { name, language, components: [] } });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

let fake: FakeWhatsApp;
let provider: WhatsAppCloudProvider;

beforeAll(async () => {
  fake = await startFakeWhatsApp({ accessToken, appSecret, phoneNumberId, wabaId, templates });
  provider = new WhatsAppCloudProvider({ destinations, baseUrl: fake.url, phoneNumberId, accessToken });
});

afterAll(async () => {
  await provider.close();
  await fake.close();
});

afterEach(() => {
  fake.sent.length = 0;
  fake.notOnWhatsApp.clear();
  fake.throughputLimit = null;
  fake.pairRateLimit = false;
  fake.replyDelayMs = 0;
});

describe('WhatsAppCloudProvider', () => {
  it('sends a template with header, body and URL button parameters', async () => {
    const components: WhatsAppComponent[] = [
      {
        type: 'header',
        parameters: [
          {
            type: 'document',
            document: { link: 'https://shop.example/i/1234.pdf', filename: 'invoice.pdf' },
          },
        ],
      },
      {
        type: 'body',
        parameters: [
          { type: 'text', text: 'Ana' },
          { type: 'text', text: '#1234' },
        ],
      },
      { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'TRACK123' }] },
    ];
    const result = await provider.send(
      message({ template: { name: 'order_shipped', language: 'es_MX', components } }),
    );
    expect(fake.sent).toHaveLength(1);
    const [sent] = fake.sent;
    expect(sent?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '34600111222',
      type: 'template',
      template: { name: 'order_shipped', language: { code: 'es_MX' }, components },
    });
    expect(result.providerMessageId).toBe(sent?.id);
    expect(result.providerMessageId).toMatch(/^wamid\./);
    expect(result.response).toBe('200 accepted');
  });

  it('sends free-form text without link previews', async () => {
    const result = await provider.send(message({ text: 'Your order is on its way: https://x.example' }));
    expect(fake.sent[0]?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '34600111222',
      type: 'text',
      text: { preview_url: false, body: 'Your order is on its way: https://x.example' },
    });
    expect(result).toEqual({ providerMessageId: fake.sent[0]?.id, response: '200 accepted' });
  });

  it('gives each message its own wamid', async () => {
    const a = await provider.send(hello());
    const b = await provider.send(hello());
    expect(a.providerMessageId).not.toBe(b.providerMessageId);
  });

  it.each([
    ['an unknown template', hello('nope'), '132001', 404],
    ['a language the template lacks', hello('hello', 'fr'), '132001', 404],
    ['a template not approved yet', hello('draft'), '132001', 404],
    ['missing body parameters', hello('code'), '132000', 400],
    ['a missing media header', hello('order_shipped', 'es_MX'), '132000', 400],
  ])('refuses %s as a permanent failure', async (_, outgoing, errorCode, responseCode) => {
    const err = await rejection(provider.send(outgoing));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).kind).toBe('failure');
    expect((err as PermanentError).details).toMatchObject({ errorCode, responseCode });
    expect(fake.sent).toHaveLength(0);
  });

  it('reports the parameter mismatch details', async () => {
    const err = (await rejection(provider.send(hello('code')))) as PermanentError;
    expect(err.details.response).toMatch(
      /Number of parameters does not match.*body: number of localizable_params \(0\)/,
    );
  });

  it('maps a paused template to 132015', async () => {
    fake.setTemplateStatus('hello', 'es', 'PAUSED');
    try {
      const err = await rejection(provider.send(hello('hello', 'es')));
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as PermanentError).details.errorCode).toBe('132015');
    } finally {
      fake.setTemplateStatus('hello', 'es', 'APPROVED');
    }
  });

  it('bounces a recipient who is not on WhatsApp (131026)', async () => {
    fake.notOnWhatsApp.add('34600999888');
    const err = await rejection(provider.send({ ...hello(), to: '+34600999888' }));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).kind).toBe('bounce');
    expect((err as PermanentError).details).toMatchObject({
      errorCode: '131026',
      responseCode: 400,
      response: '(#131026) Message undeliverable: Message Undeliverable.',
    });
  });

  it('reports a refused token (190) as the provider being down', async () => {
    const wrong = new WhatsAppCloudProvider({
      destinations,
      baseUrl: fake.url,
      phoneNumberId,
      accessToken: 'expired',
    });
    const err = await rejection(wrong.send(hello()));
    expect(err).toBeInstanceOf(ProviderDownError);
    expect((err as ProviderDownError).details).toMatchObject({ errorCode: '190', responseCode: 401 });
    expect(fake.sent).toHaveLength(0);
  });

  it('retries throughput limits (130429)', async () => {
    fake.failNext(1, { status: 400, code: 130429, message: '(#130429) Rate limit hit' });
    const err = await rejection(provider.send(hello()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).not.toBeInstanceOf(ProviderDownError);
    expect((err as TransientError).details.errorCode).toBe('130429');
    await expect(provider.send(hello())).resolves.toMatchObject({ response: '200 accepted' });
  });

  it('meets the throughput limit when too many sends arrive at once', async () => {
    fake.throughputLimit = 1;
    const results = await Promise.allSettled([1, 2, 3].map(() => provider.send(hello())));
    const refused = results.filter((r) => r.status === 'rejected').map((r) => r.reason as TransientError);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const err of refused) {
      expect(err).toBeInstanceOf(TransientError);
      expect(err.details.errorCode).toBe('130429');
    }
  });

  it('waits 6 s after a pair rate limit (131056)', async () => {
    fake.pairRateLimit = true;
    await provider.send(hello());
    const err = await rejection(provider.send(hello()));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).details).toMatchObject({ errorCode: '131056', retryAfterMs: 6000 });
    await expect(provider.send({ ...hello(), to: '+34600111333' })).resolves.toBeTruthy();
  });

  it('retries server errors', async () => {
    fake.failNext(1, { status: 500, code: 131000, message: 'Something went wrong' });
    const err = await rejection(provider.send(hello()));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as TransientError).details).toMatchObject({ errorCode: '131000', responseCode: 500 });
  });

  it('retries a dropped connection', async () => {
    fake.failNext(1, 'drop');
    const err = await rejection(provider.send(hello()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).not.toBeInstanceOf(ProviderDownError);
  });

  it('gives up waiting after the timeout', async () => {
    fake.replyDelayMs = 500;
    const impatient = new WhatsAppCloudProvider({
      destinations,
      baseUrl: fake.url,
      phoneNumberId,
      accessToken,
      timeoutMs: 50,
    });
    const err = await rejection(impatient.send(hello()));
    expect(err).toBeInstanceOf(TransientError);
    expect((err as Error).message).toMatch(/did not answer within 50 ms/);
  });

  it('reports a refused connection as the provider being down (still worth retrying)', async () => {
    const closed = await startFakeWhatsApp({ accessToken, appSecret, phoneNumberId, wabaId, templates });
    await closed.close();
    const nowhere = new WhatsAppCloudProvider({
      destinations,
      baseUrl: closed.url,
      phoneNumberId,
      accessToken,
    });
    const err = await rejection(nowhere.send(hello()));
    expect(err).toBeInstanceOf(ProviderDownError);
    expect(err).toBeInstanceOf(TransientError);
  });

  it('refuses a message with neither template nor text without calling the API', async () => {
    const err = await rejection(provider.send(message({})));
    expect(err).toBeInstanceOf(PermanentError);
    expect(fake.sent).toHaveLength(0);
  });
});

describe('classifyGraphError', () => {
  it.each([
    [130429, 400, 'transient'],
    [131056, 400, 'transient'],
    [80007, 400, 'transient'],
    [4, 400, 'transient'],
    [131000, 500, 'transient'],
    [undefined, 503, 'transient'],
    [undefined, 429, 'transient'],
    [131026, 400, 'bounce'],
    [131047, 400, 'failure'],
    [132000, 400, 'failure'],
    [132001, 404, 'failure'],
    [132015, 400, 'failure'],
    [131051, 400, 'failure'],
    [100, 400, 'failure'],
    [undefined, 400, 'failure'],
    [190, 401, 'down'],
    [190, 400, 'down'],
    [undefined, 401, 'down'],
    [131031, 403, 'down'],
    [200, 403, 'down'],
  ] as const)('code %s with HTTP %i is %s', (code, status, verdict) => {
    expect(classifyGraphError(code, status)).toBe(verdict);
  });
});

describe('fetchTemplates', () => {
  it('follows the paging across several pages', async () => {
    const list = await fetchTemplates({ destinations, baseUrl: fake.url, wabaId, accessToken, pageSize: 2 });
    expect(list.map((t) => `${t.name}/${t.language}`)).toEqual([
      'order_shipped/es_MX',
      'hello/en',
      'hello/es',
      'code/en',
      'draft/en',
    ]);
    expect(list[0]).toMatchObject({
      status: 'APPROVED',
      category: 'UTILITY',
      parameters: { header: 1, body: 2, buttons: 1 },
    });
    expect(list[0]?.components).toEqual(orderShipped.components);
    expect(list[3]).toMatchObject({
      category: 'AUTHENTICATION',
      parameters: { header: 0, body: 1, buttons: 0 },
    });
    expect(list[4]?.status).toBe('PENDING');
  });

  it('reads all in one page when the page is big enough', async () => {
    const list = await fetchTemplates({
      destinations,
      baseUrl: fake.url,
      apiVersion: 'v22.0',
      wabaId,
      accessToken,
    });
    expect(list).toHaveLength(templates.length);
  });

  it('reports a refused token as the provider being down', async () => {
    const err = await rejection(
      fetchTemplates({ destinations, baseUrl: fake.url, wabaId, accessToken: 'nope' }),
    );
    expect(err).toBeInstanceOf(ProviderDownError);
  });

  it('reports server errors as transient and other refusals as plain errors', async () => {
    fake.failNext(1, { status: 503, code: 2, message: 'Service temporarily unavailable' });
    expect(
      await rejection(fetchTemplates({ destinations, baseUrl: fake.url, wabaId, accessToken })),
    ).toBeInstanceOf(TransientError);
    const err = await rejection(
      fetchTemplates({ destinations, baseUrl: fake.url, wabaId: '999', accessToken }),
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(TransientError);
    expect(err).not.toBeInstanceOf(PermanentError);
  });

  it('does not follow a next link to another host; it asks for the after cursor instead', async () => {
    const asked: string[] = [];
    const server = createServer((req, res) => {
      asked.push(req.url ?? '');
      const second = req.url?.includes('after=CUR2');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify(
          second
            ? {
                data: [{ name: 'b', language: 'en', components: [] }],
                paging: { cursors: { after: 'CUR3' } },
              }
            : {
                data: [{ name: 'a', language: 'en', components: [] }],
                paging: {
                  cursors: { after: 'CUR2' },
                  next: 'https://graph.example/v21.0/1/message_templates?after=CUR2',
                },
              },
        ),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const list = await fetchTemplates({
        destinations,
        baseUrl: `http://127.0.0.1:${port}/`,
        wabaId: '1',
        accessToken,
      });
      expect(list.map((t) => t.name)).toEqual(['a', 'b']);
      expect(asked).toEqual([
        '/v21.0/1/message_templates?limit=100',
        '/v21.0/1/message_templates?limit=100&after=CUR2',
      ]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('countParameters', () => {
  const cases: [string, TemplateComponent[], { header: number; body: number; buttons: number }][] = [
    ['no components', [], { header: 0, body: 0, buttons: 0 }],
    ['a plain body', [{ type: 'BODY', text: 'Hello' }], { header: 0, body: 0, buttons: 0 }],
    [
      'the highest body placeholder',
      [{ type: 'BODY', text: '{{2}} then {{1}}, {{3}} and {{2}}' }],
      { header: 0, body: 3, buttons: 0 },
    ],
    [
      'a text header',
      [
        { type: 'HEADER', format: 'TEXT', text: 'Order {{1}}' },
        { type: 'BODY', text: 'x' },
      ],
      { header: 1, body: 0, buttons: 0 },
    ],
    [
      'a static text header',
      [{ type: 'HEADER', format: 'TEXT', text: 'Your order' }],
      { header: 0, body: 0, buttons: 0 },
    ],
    ['a document header', [{ type: 'HEADER', format: 'DOCUMENT' }], { header: 1, body: 0, buttons: 0 }],
    ['an image header', [{ type: 'HEADER', format: 'IMAGE' }], { header: 1, body: 0, buttons: 0 }],
    ['a video header', [{ type: 'HEADER', format: 'VIDEO' }], { header: 1, body: 0, buttons: 0 }],
    [
      'only dynamic URL buttons',
      [
        {
          type: 'BUTTONS',
          buttons: [
            { type: 'URL', text: 'Track', url: 'https://x.example/t/{{1}}' },
            { type: 'URL', text: 'Help', url: 'https://x.example/help' },
            { type: 'QUICK_REPLY', text: 'Stop' },
            { type: 'PHONE_NUMBER', text: 'Call' },
            { type: 'URL', text: 'Invoice', url: 'https://x.example/i/{{1}}' },
          ],
        },
      ],
      { header: 0, body: 0, buttons: 2 },
    ],
    [
      'an authentication template: the code in the body and its copy-code button',
      [
        { type: 'BODY', text: '*{{1}}* is your verification code.' },
        { type: 'BUTTONS', buttons: [{ type: 'OTP', text: 'Copy code' }] },
      ],
      { header: 0, body: 1, buttons: 1 },
    ],
    ['named parameters', [{ type: 'BODY', text: 'Hi {{first_name}}' }], { header: 0, body: 0, buttons: 0 }],
    ['lower-case types', [{ type: 'body', text: '{{1}}' }], { header: 0, body: 1, buttons: 0 }],
  ];
  it.each(cases)('%s', (_, components, expected) => {
    expect(countParameters(components)).toEqual(expected);
  });
});

describe('verifyHubSignature', () => {
  const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
  // printf '%s' "$body" | openssl dgst -sha256 -hmac app-secret-1234
  const signature = 'sha256=e1a1bc4d802d9d9ae6ce7462eb1b8b86b681fef7dee55cc64411ddb0056c0aff';

  it.each([
    ['the signature of the raw body', appSecret, body, signature, true],
    ['upper-case hex', appSecret, body, `sha256=${signature.slice(7).toUpperCase()}`, true],
    ['a tampered body', appSecret, Buffer.from(`${body} `), signature, false],
    ['another secret', 'other-secret', body, signature, false],
    ['no header', appSecret, body, undefined, false],
    ['an empty header', appSecret, body, '', false],
    ['a sha1= prefix', appSecret, body, signature.replace('sha256=', 'sha1='), false],
    ['no prefix', appSecret, body, signature.slice(7), false],
    ['a truncated digest', appSecret, body, signature.slice(0, -2), false],
  ] as [string, string, Buffer, string | undefined, boolean][])('%s', (_, secret, raw, header, expected) => {
    expect(verifyHubSignature(secret, raw, header)).toBe(expected);
  });
});

describe('answerVerification', () => {
  const query = { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken, 'hub.challenge': '1158201444' };
  it.each([
    ['the handshake', query, '1158201444'],
    ['a wrong token', { ...query, 'hub.verify_token': 'verify-m' }, null],
    ['another mode', { ...query, 'hub.mode': 'unsubscribe' }, null],
    ['no challenge', { 'hub.mode': 'subscribe', 'hub.verify_token': verifyToken }, null],
    ['no token', { 'hub.mode': 'subscribe', 'hub.challenge': '1' }, null],
    ['nested keys', { hub: { mode: 'subscribe', verify_token: verifyToken, challenge: '42' } }, '42'],
    ['repeated keys', { ...query, 'hub.challenge': ['7', '8'] }, '7'],
    ['nothing', {}, null],
  ] as [string, Record<string, unknown>, string | null][])('%s', (_, q, expected) => {
    expect(answerVerification(q, verifyToken)).toBe(expected);
  });
});

describe('parseWebhook', () => {
  const value = (statuses: unknown[], extra: Record<string, unknown> = {}) => ({
    messaging_product: 'whatsapp',
    metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
    statuses,
    ...extra,
  });
  const status = (id: string, word: string, timestamp: string, more: Record<string, unknown> = {}) => ({
    id,
    status: word,
    timestamp,
    recipient_id: '34600111222',
    ...more,
  });

  it('reads a batch of statuses across entries, duplicates and all', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: wabaId,
          changes: [
            {
              field: 'messages',
              value: value([
                status('wamid.A', 'sent', '1763800000', { pricing: { billable: true } }),
                status('wamid.A', 'delivered', '1763800005'),
                status('wamid.A', 'delivered', '1763800005'),
                status('wamid.B', 'deleted', '1763800006'),
              ]),
            },
            { field: 'message_template_status_update', value: { event: 'APPROVED' } },
          ],
        },
        {
          id: wabaId,
          changes: [
            {
              field: 'messages',
              value: value([
                status('wamid.A', 'read', '1763800010'),
                status('wamid.C', 'failed', '1763800020', {
                  errors: [
                    {
                      code: 131026,
                      title: 'Message undeliverable',
                      message: 'Message undeliverable',
                      error_data: { details: 'Recipient is not a WhatsApp user' },
                    },
                  ],
                }),
                status('wamid.D', 'failed', '1763800021', {
                  errors: [{ code: 131049, title: 'Not delivered' }],
                }),
                status('wamid.E', 'failed', '1763800022', {
                  errors: [{ code: 130429, title: 'Rate limit hit' }],
                }),
                status('wamid.F', 'failed', 'soon'),
              ]),
            },
          ],
        },
      ],
    };
    const receivedAt = new Date('2025-11-22T10:00:00Z');
    const { receipts, inbound } = parseWebhook(body, receivedAt);
    expect(inbound).toEqual([]);
    const at = (s: number) => new Date(s * 1000);
    expect(receipts).toEqual<ProviderReceipt[]>([
      { providerMessageId: 'wamid.A', status: 'sent', at: at(1763800000), providerStatus: 'sent' },
      { providerMessageId: 'wamid.A', status: 'delivered', at: at(1763800005), providerStatus: 'delivered' },
      { providerMessageId: 'wamid.A', status: 'delivered', at: at(1763800005), providerStatus: 'delivered' },
      { providerMessageId: 'wamid.A', status: 'read', at: at(1763800010), providerStatus: 'read' },
      {
        providerMessageId: 'wamid.C',
        status: 'failed',
        at: at(1763800020),
        providerStatus: 'failed',
        errorCode: '131026',
        errorText: 'Message undeliverable: Recipient is not a WhatsApp user',
        permanent: true,
      },
      {
        providerMessageId: 'wamid.D',
        status: 'failed',
        at: at(1763800021),
        providerStatus: 'failed',
        errorCode: '131049',
        errorText: 'Not delivered',
        permanent: true,
      },
      {
        providerMessageId: 'wamid.E',
        status: 'failed',
        at: at(1763800022),
        providerStatus: 'failed',
        errorCode: '130429',
        errorText: 'Rate limit hit',
        permanent: false,
      },
      { providerMessageId: 'wamid.F', status: 'failed', at: receivedAt, providerStatus: 'failed' },
    ]);
  });

  it('reads inbound messages: text, quick-reply taps, others', () => {
    const body = {
      object: 'whatsapp_business_account',
      entry: [
        {
          id: wabaId,
          changes: [
            {
              field: 'messages',
              value: {
                messaging_product: 'whatsapp',
                metadata: { display_phone_number: '15550001111', phone_number_id: phoneNumberId },
                contacts: [{ profile: { name: 'Ana' }, wa_id: '34600111222' }],
                messages: [
                  {
                    from: '34600111222',
                    id: 'wamid.IN1',
                    timestamp: '1763800100',
                    type: 'text',
                    text: { body: 'BAJA' },
                  },
                  {
                    from: '34600111222',
                    id: 'wamid.IN2',
                    timestamp: '1763800101',
                    type: 'image',
                    image: { id: '123', mime_type: 'image/jpeg' },
                  },
                  { id: 'wamid.IN3', type: 'text', text: { body: 'no sender' } },
                  {
                    from: '34600111222',
                    id: 'wamid.IN4',
                    timestamp: '1763800102',
                    type: 'button',
                    button: { payload: 'STOP_PROMOTIONS', text: 'Stop promotions' },
                  },
                ],
              },
            },
          ],
        },
      ],
    };
    expect(parseWebhook(body)).toEqual({
      receipts: [],
      inbound: [
        { phoneNumberId, from: '+34600111222', at: new Date(1763800100_000), text: 'BAJA', id: 'wamid.IN1' },
        { phoneNumberId, from: '+34600111222', at: new Date(1763800101_000), text: null, id: 'wamid.IN2' },
        {
          phoneNumberId,
          from: '+34600111222',
          at: new Date(1763800102_000),
          text: 'Stop promotions',
          id: 'wamid.IN4',
        },
      ],
    });
  });

  it.each([
    null,
    'text',
    42,
    [],
    {},
    { entry: 'x' },
    { entry: [null, 1, { changes: null }] },
    { entry: [{ changes: [{ field: 'messages' }, { field: 'messages', value: { statuses: [null, {}] } }] }] },
    {
      entry: [
        { changes: [{ field: 'messages', value: { messages: [{ from: '1', id: 'x' }], metadata: 3 } }] },
      ],
    },
  ])('finds nothing in %j without throwing', (body) => {
    expect(parseWebhook(body)).toEqual({ receipts: [], inbound: [] });
  });
});

describe('isStopReply', () => {
  it.each([
    'STOP',
    'stop',
    ' Stop! ',
    'Stopp',
    'UNSUBSCRIBE',
    'Baja',
    'baja.',
    'Cancelar',
    'PARAR',
    'arrêt',
    'ARRET',
    'Arrêter',
    'opt-out',
    'Stop promotions',
  ])('%j opts out', (text) => {
    expect(isStopReply(text)).toBe(true);
  });

  it.each(['', 'please stop sending', 'stopped', 'dont stop', 'bajar', 'hola', '¿Dónde está mi pedido?'])(
    '%j does not',
    (text) => {
      expect(isStopReply(text)).toBe(false);
    },
  );
});

describe('webhooks from the fake, over HTTP', () => {
  let receiver: Server;
  let webhookUrl: string;
  const heard: ReturnType<typeof parseWebhook>[] = [];

  const read = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
    });

  beforeAll(async () => {
    receiver = createServer(async (req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method === 'GET') {
        const challenge = answerVerification(Object.fromEntries(url.searchParams), verifyToken);
        res.writeHead(challenge === null ? 403 : 200, { 'content-type': 'text/plain' });
        res.end(challenge ?? '');
        return;
      }
      const raw = await read(req);
      const header = req.headers['x-hub-signature-256'];
      if (!verifyHubSignature(appSecret, raw, typeof header === 'string' ? header : undefined)) {
        res.writeHead(403).end();
        return;
      }
      heard.push(parseWebhook(JSON.parse(raw.toString('utf8'))));
      res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/v1/callbacks/whatsapp/p1`;
  });

  afterAll(async () => {
    await new Promise((resolve) => receiver.close(resolve));
  });

  afterEach(() => {
    heard.length = 0;
  });

  it('answers the verification handshake', async () => {
    expect(await fake.verifyWebhook(webhookUrl, verifyToken, '1158201444')).toEqual({
      status: 200,
      body: '1158201444',
    });
    expect((await fake.verifyWebhook(webhookUrl, 'wrong', '1')).status).toBe(403);
  });

  it('delivers signed statuses for a sent message', async () => {
    const { providerMessageId } = await provider.send(hello());
    const wamid = providerMessageId ?? '';
    expect(await fake.sendStatus(webhookUrl, wamid, 'delivered', { timestamp: 1763800005 })).toBe(200);
    expect(
      await fake.sendStatus(webhookUrl, wamid, 'failed', {
        errors: [{ code: 131026, title: 'Message undeliverable' }],
      }),
    ).toBe(200);
    expect(heard.flatMap((h) => h.receipts)).toMatchObject([
      { providerMessageId: wamid, status: 'delivered', at: new Date(1763800005_000) },
      { providerMessageId: wamid, status: 'failed', errorCode: '131026', permanent: true },
    ]);
  });

  it('refuses statuses with a bad or missing signature', async () => {
    expect(await fake.sendStatus(webhookUrl, 'wamid.X', 'read', { badSignature: true })).toBe(403);
    expect(await fake.sendStatus(webhookUrl, 'wamid.X', 'read', { unsigned: true })).toBe(403);
    expect(heard).toEqual([]);
  });

  it('signs the escaped bytes of a non-ASCII inbound message', async () => {
    expect(await fake.sendInbound(webhookUrl, '+34600111222', 'ARRÊT ✋')).toBe(200);
    const [message] = heard.flatMap((h) => h.inbound);
    expect(message).toMatchObject({ phoneNumberId, from: '+34600111222', text: 'ARRÊT ✋' });
    expect(isStopReply(message?.text ?? '')).toBe(true);
  });
});
