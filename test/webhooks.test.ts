// Outbound webhooks end to end: real PostgreSQL, the real API and dispatcher, and a real HTTP
// receiver on a local port. Signatures are checked with the Standard Webhooks reference
// library. Each test uses a project of its own, so endpoints only see their own events.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/log.ts';
import { createApiKey } from '../src/projects/api-keys.ts';
import { createProject } from '../src/projects/projects.ts';
import { webhookSecretPlace } from '../src/secrets/index.ts';
import { WebhookDispatcher } from '../src/webhooks/index.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';

// biome-ignore lint/suspicious/noExplicitAny: tests read JSON bodies freely and assert on them
type Json = any;

interface Received {
  headers: Record<string, string>;
  body: string;
  json: Json;
}

interface Answer {
  status: number;
  body?: string;
  delayMs?: number;
}

interface Receiver {
  url: string;
  received: Received[];
  answer: (request: Received, n: number) => Answer;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

const receivers: Receiver[] = [];

async function startReceiver(
  answer: Receiver['answer'] = () => ({ status: 200, body: 'ok' }),
): Promise<Receiver> {
  const received: Received[] = [];
  const receiver: Receiver = {
    url: '',
    received,
    answer,
    async waitFor(count, timeoutMs = 10_000) {
      await waitUntil(
        () => received.length >= count,
        timeoutMs,
        () => `${received.length} of ${count} requests`,
      );
      return received;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const request: Received = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
        body,
        json: JSON.parse(body),
      };
      received.push(request);
      const { status, body: text = '', delayMs = 0 } = receiver.answer(request, received.length);
      setTimeout(() => res.writeHead(status, { 'content-type': 'text/plain' }).end(text), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receivers.push(receiver);
  return receiver;
}

async function waitUntil(done: () => boolean | Promise<boolean>, timeoutMs: number, what: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let aviso: TestAviso;
let guarded: TestAviso;
let projects = 0;

beforeAll(async () => {
  [aviso, guarded] = await Promise.all([
    startTestAviso({ AVISO_WEBHOOK_RETRY_SECONDS: '0.2,0.2,0.2', AVISO_WEBHOOKS_ALLOW_PRIVATE: 'true' }),
    startTestAviso(),
  ]);
});

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await Promise.all([aviso?.stop(), guarded?.stop()]);
});

/** A fresh project on `on`, and a request function with its key. */
async function newProject(on: TestAviso = aviso) {
  const project = await createProject(on.database.db, `webhooks-${++projects}`);
  const { key } = await createApiKey(on.database.db, project.id, 'test');
  const request = (method: string, path: string, body?: unknown) =>
    on.request(method, path, body === undefined ? { key } : { key, body });
  return { projectId: project.id, request };
}

type Request = Awaited<ReturnType<typeof newProject>>['request'];

async function sendEmail(request: Request, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await request('POST', '/v1/messages', {
    to: 'ana@example.com',
    subject: 'Hello',
    text: 'Hi',
    ...extra,
  });
  expect(res.status).toBe(202);
  return res.body.id;
}

async function createEndpoint(request: Request, body: Record<string, unknown>) {
  const res = await request('POST', '/v1/webhooks', body);
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string };
}

describe('webhook endpoints', () => {
  it('are created, read, changed and deleted, within their project only', async () => {
    const { request } = await newProject();
    const receiver = await startReceiver();
    const created = await request('POST', '/v1/webhooks', {
      url: receiver.url,
      description: 'orders app',
      eventTypes: ['delivered', 'bounced', 'delivered'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: receiver.url,
      description: 'orders app',
      eventTypes: ['delivered', 'bounced'],
      enabled: true,
      disabledReason: null,
      disabledAt: null,
    });
    expect(created.body.id).toMatch(/^wh_/);
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const { id, secret } = created.body;

    const one = await request('GET', `/v1/webhooks/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).not.toHaveProperty('secret');
    expect((await request('GET', `/v1/webhooks/${id}/secret`)).body).toEqual({ secret });
    expect((await request('GET', '/v1/webhooks')).body.data.map((e: Json) => e.id)).toEqual([id]);

    const changed = await request('PATCH', `/v1/webhooks/${id}`, { description: null, eventTypes: [] });
    expect(changed.status).toBe(200);
    expect(changed.body).toMatchObject({ description: null, eventTypes: [] });
    const disabled = await request('PATCH', `/v1/webhooks/${id}`, { enabled: false });
    expect(disabled.body.enabled).toBe(false);
    expect(disabled.body.disabledAt).not.toBeNull();

    const rotated = await request('POST', `/v1/webhooks/${id}/secret/rotate`);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(secret);

    const other = await newProject();
    expect((await other.request('GET', `/v1/webhooks/${id}`)).status).toBe(404);
    expect((await other.request('GET', '/v1/webhooks')).body.data).toEqual([]);
    expect((await other.request('DELETE', `/v1/webhooks/${id}`)).status).toBe(404);

    expect((await request('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
    const gone = await request('GET', `/v1/webhooks/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('webhook_not_found');
  });

  it('refuse bad input with a code and the field at fault', async () => {
    const { request } = await newProject();
    const cases: [Record<string, unknown>, string, string][] = [
      [{ url: 'ftp://example.com/hooks' }, 'webhook_url_invalid', 'url'],
      [{ url: 'https://user:secret@example.com/' }, 'webhook_url_invalid', 'url'],
      [{ url: 'not a url' }, 'webhook_url_invalid', 'url'],
      // URL parsing would drop the CR/LF and tab and encode the spaces: refused, never stored.
      [{ url: 'https://93.184.216.34/hooks\r\nX-Injected: 1' }, 'webhook_url_invalid', 'url'],
      [{ url: 'https://93.184.216.34/my hooks' }, 'webhook_url_invalid', 'url'],
      [{ url: ' https://93.184.216.34/hooks' }, 'webhook_url_invalid', 'url'],
      [{ url: 'https://93.184.216.34/ho\toks' }, 'webhook_url_invalid', 'url'],
      [{ url: 'https://no-such-host.invalid/' }, 'webhook_url_unresolvable', 'url'],
      [
        { url: 'http://127.0.0.1/', eventTypes: ['delivered', 'teleported'] },
        'invalid_value',
        'eventTypes[1]',
      ],
      [{}, 'field_required', 'url'],
      [{ url: 'http://127.0.0.1/', secret: 'mine' }, 'unknown_field', 'secret'],
    ];
    for (const [body, code, path] of cases) {
      const res = await request('POST', '/v1/webhooks', body);
      expect({ body, status: res.status, code: res.body.error?.code, path: res.body.error?.path }).toEqual({
        body,
        status: 422,
        code,
        path,
      });
    }
    expect((await request('GET', '/v1/webhooks')).body.data).toEqual([]);
  });

  it('store a URL as parsed, and refuse a change to one with a line break', async () => {
    const { request } = await newProject();
    const created = await request('POST', '/v1/webhooks', { url: 'HTTPS://93.184.216.34:443/Hooks?a=1' });
    expect(created.status).toBe(201);
    expect(created.body.url).toBe('https://93.184.216.34/Hooks?a=1');
    const moved = await request('PATCH', `/v1/webhooks/${created.body.id}`, {
      url: 'https://93.184.216.34/Hooks\r\n',
    });
    expect(moved.body.error).toMatchObject({ code: 'webhook_url_invalid', path: 'url' });
    expect((await request('GET', `/v1/webhooks/${created.body.id}`)).body.url).toBe(
      'https://93.184.216.34/Hooks?a=1',
    );
  });
  it('are documented in the OpenAPI document', async () => {
    const doc = (await aviso.request('GET', '/openapi.json', { key: null })).body;
    expect(doc.tags.map((t: Json) => t.name)).toContain('webhooks');
    for (const path of [
      '/v1/webhooks',
      '/v1/webhooks/{id}',
      '/v1/webhooks/{id}/attempts',
      '/v1/webhooks/{id}/replay',
    ])
      expect(doc.paths[path], path).toBeDefined();
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        'WebhookEndpoint',
        'WebhookEndpointWithSecret',
        'WebhookAttempt',
        'WebhookReplayRequest',
      ]),
    );
  });
});

describe('delivery', () => {
  it('POSTs each event signed per Standard Webhooks, with the message it belongs to', async () => {
    const { request } = await newProject();
    const receiver = await startReceiver();
    const { secret } = await createEndpoint(request, { url: receiver.url });
    const id = await sendEmail(request, { tags: ['welcome'], metadata: { orderId: 1042 } });
    const [accepted, sent] = await receiver.waitFor(2);
    const message = (await request('GET', `/v1/messages/${id}`)).body;

    for (const r of [accepted, sent] as Received[]) {
      expect(new Webhook(secret).verify(r.body, r.headers)).toEqual(r.json);
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['webhook-id']).toBe(`evt_${r.json.data.id}`);
    }
    expect(accepted?.json).toEqual({
      type: 'message.accepted',
      timestamp: message.events[0].at,
      data: {
        id: expect.stringMatching(/^\d+$/),
        type: 'accepted',
        at: message.events[0].at,
        details: {},
        message: {
          id,
          channel: 'email',
          stream: 'transactional',
          to: 'ana@example.com',
          template: null,
          tags: ['welcome'],
          metadata: { orderId: 1042 },
        },
      },
    });
    expect(sent?.json).toMatchObject({
      type: 'message.sent',
      timestamp: message.events[1].at,
      data: { type: 'sent', details: { provider: 'capture' }, message: { id } },
    });

    const tampered = (accepted as Received).body.replace('ana@example.com', 'eve@example.com');
    expect(() => new Webhook(secret).verify(tampered, (accepted as Received).headers)).toThrow();
    expect(() =>
      new Webhook(`whsec_${randomBytes(24).toString('base64')}`).verify(
        accepted?.body ?? '',
        accepted?.headers ?? {},
      ),
    ).toThrow();
  });

  it('sends an endpoint only the event types it subscribed to', async () => {
    const { request, projectId } = await newProject();
    const onlyDelivered = await startReceiver();
    const everything = await startReceiver();
    await createEndpoint(request, { url: onlyDelivered.url, eventTypes: ['delivered'] });
    await createEndpoint(request, { url: everything.url });
    const id = await sendEmail(request);
    await everything.waitFor(2);
    // What a delivery report records (the capture provider delivers nothing).
    await aviso.database.db
      .insertInto('message_events')
      .values({ message_id: id, project_id: projectId, type: 'delivered', details: JSON.stringify({}) })
      .execute();
    await everything.waitFor(3);
    await onlyDelivered.waitFor(1);
    await sleep(300);
    expect(everything.received.map((r) => r.json.type)).toEqual([
      'message.accepted',
      'message.sent',
      'message.delivered',
    ]);
    expect(onlyDelivered.received.map((r) => r.json.type)).toEqual(['message.delivered']);
  });

  it('logs only a short, clean start of an answer: no NUL or control characters', async () => {
    const { request } = await newProject();
    // 50 KB with NUL, control characters and a secret past the first kilobyte.
    const hostile = `ok\u0000\u0007\u001b[2J ${'y'.repeat(50_000)} SECRET-TOKEN-4242`;
    const receiver = await startReceiver(() => ({ status: 200, body: hostile }));
    const endpoint = await createEndpoint(request, { url: receiver.url, eventTypes: ['accepted'] });
    await sendEmail(request);
    let log: Json;
    await waitUntil(
      async () => {
        log = (await request('GET', `/v1/webhooks/${endpoint.id}/attempts`)).body;
        return log.data.length > 0;
      },
      5_000,
      () => JSON.stringify(log),
    );
    const tested = (await request('POST', `/v1/webhooks/${endpoint.id}/test`)).body;
    for (const snippet of [log.data[0].responseSnippet, tested.responseSnippet]) {
      expect(snippet.startsWith('ok [2J yyy')).toBe(true);
      expect(Array.from(snippet).length).toBeLessThanOrEqual(1024);
      expect(snippet).not.toMatch(/\p{Cc}/u);
      expect(snippet).not.toContain('SECRET');
    }
  });

  it('retries failed attempts and logs each with status, latency and the start of the answer', async () => {
    const { request } = await newProject();
    const receiver = await startReceiver((_r, n) =>
      n <= 2 ? { status: 500, body: `boom ${n}` } : { status: 200, body: 'thanks' },
    );
    const endpoint = await createEndpoint(request, { url: receiver.url, eventTypes: ['accepted'] });
    const messageId = await sendEmail(request);
    await receiver.waitFor(3);
    let deliveries: Json;
    await waitUntil(
      async () => {
        deliveries = (await request('GET', `/v1/webhooks/${endpoint.id}/deliveries`)).body;
        return deliveries.data[0]?.status === 'succeeded';
      },
      5_000,
      () => JSON.stringify(deliveries),
    );
    expect(deliveries.data).toEqual([
      expect.objectContaining({
        messageId,
        eventType: 'accepted',
        status: 'succeeded',
        attempts: 3,
        nextAttemptAt: null,
      }),
    ]);
    const ids = new Set(receiver.received.map((r) => r.headers['webhook-id']));
    expect(ids.size).toBe(1);

    const log = (await request('GET', `/v1/webhooks/${endpoint.id}/attempts`)).body;
    expect(log.data.map((a: Json) => [a.statusCode, a.responseSnippet, a.succeeded])).toEqual([
      [200, 'thanks', true],
      [500, 'boom 2', false],
      [500, 'boom 1', false],
    ]);
    for (const a of log.data) {
      expect(a).toMatchObject({ messageId, eventType: 'accepted', error: null, replay: false });
      expect(a.latencyMs).toBeGreaterThanOrEqual(0);
      expect(Date.parse(a.attemptedAt)).not.toBeNaN();
    }
    const failed = (await request('GET', `/v1/webhooks/${endpoint.id}/attempts?status=failed&limit=1`)).body;
    expect(failed.data.map((a: Json) => a.responseSnippet)).toEqual(['boom 2']);
    const next = (
      await request('GET', `/v1/webhooks/${endpoint.id}/attempts?status=failed&cursor=${failed.nextCursor}`)
    ).body;
    expect(next.data.map((a: Json) => a.responseSnippet)).toEqual(['boom 1']);
    expect(next.nextCursor).toBeNull();
  });

  it('fails a delivery out of retries, disables its endpoint with the reason, and resumes when re-enabled', async () => {
    const { request } = await newProject();
    let up = false;
    const receiver = await startReceiver(() => (up ? { status: 204 } : { status: 503, body: 'down' }));
    const endpoint = await createEndpoint(request, { url: receiver.url, eventTypes: ['accepted'] });
    await sendEmail(request);
    let view: Json;
    await waitUntil(
      async () => {
        view = (await request('GET', `/v1/webhooks/${endpoint.id}`)).body;
        return !view.enabled;
      },
      5_000,
      () => JSON.stringify(view),
    );
    expect(view.disabledReason).toMatch(
      /^Every delivery failed for .+ \(since \d{4}-\d\d-\d\dT\d\d:\d\dZ\); last attempt: HTTP 503 Service Unavailable\.$/,
    );
    expect(view.disabledAt).not.toBeNull();
    expect(receiver.received).toHaveLength(4);
    const deliveries = (await request('GET', `/v1/webhooks/${endpoint.id}/deliveries?status=failed`)).body;
    expect(deliveries.data).toEqual([expect.objectContaining({ status: 'failed', attempts: 4 })]);

    // While disabled, queued deliveries wait.
    const eventId = receiver.received[0]?.json.data.id;
    expect((await request('POST', `/v1/webhooks/${endpoint.id}/replay`, { eventId })).status).toBe(202);
    await sleep(600);
    expect(receiver.received).toHaveLength(4);
    const pending = (await request('GET', `/v1/webhooks/${endpoint.id}/deliveries?status=pending`)).body;
    expect(pending.data).toEqual([expect.objectContaining({ status: 'pending', attempts: 0, replay: true })]);

    up = true;
    const enabled = await request('PATCH', `/v1/webhooks/${endpoint.id}`, { enabled: true });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, disabledAt: null });
    await receiver.waitFor(5);
    await sendEmail(request);
    await receiver.waitFor(6);
    await waitUntil(
      async () =>
        (await request('GET', `/v1/webhooks/${endpoint.id}/deliveries?status=succeeded`)).body.data.length ===
        2,
      5_000,
      () => 'two succeeded deliveries',
    );
  });

  it('keeps an endpoint enabled when only some deliveries fail', async () => {
    const { request } = await newProject();
    const receiver = await startReceiver((r) =>
      r.json.data.message.metadata.poison ? { status: 400, body: 'cannot parse' } : { status: 200 },
    );
    const endpoint = await createEndpoint(request, { url: receiver.url, eventTypes: ['accepted'] });
    await sendEmail(request, { metadata: { poison: true } });
    // A healthy delivery succeeds after the bad one's first attempt: the receiver is up.
    await receiver.waitFor(1);
    await sendEmail(request);
    let failed: Json;
    await waitUntil(
      async () => {
        failed = (await request('GET', `/v1/webhooks/${endpoint.id}/deliveries?status=failed`)).body;
        return failed.data.length === 1;
      },
      5_000,
      () => JSON.stringify(failed),
    );
    expect((await request('GET', `/v1/webhooks/${endpoint.id}`)).body).toMatchObject({
      enabled: true,
      disabledReason: null,
    });
  });

  it("keeps a message's events in order even when the first one needs a retry", async () => {
    const { request } = await newProject();
    // The first answer is slow enough that the "sent" event exists before "accepted" is retried.
    const receiver = await startReceiver((_r, n) =>
      n === 1 ? { status: 500, body: 'not yet', delayMs: 300 } : { status: 200 },
    );
    await createEndpoint(request, { url: receiver.url });
    const id = await sendEmail(request);
    await receiver.waitFor(3);
    await sleep(300);
    expect(receiver.received.map((r) => [r.json.type, r.json.data.message.id])).toEqual([
      ['message.accepted', id],
      ['message.accepted', id],
      ['message.sent', id],
    ]);
  });

  it('sends a signed test request on demand and shows the answer', async () => {
    const { request } = await newProject();
    const receiver = await startReceiver(() => ({ status: 202, body: 'got it' }));
    const endpoint = await createEndpoint(request, { url: receiver.url });
    const res = await request('POST', `/v1/webhooks/${endpoint.id}/test`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      succeeded: true,
      statusCode: 202,
      responseSnippet: 'got it',
      error: null,
    });
    expect(res.body.latencyMs).toBeGreaterThanOrEqual(0);
    const [got] = receiver.received;
    expect(new Webhook(endpoint.secret).verify(got?.body ?? '', got?.headers ?? {})).toMatchObject({
      type: 'webhook.test',
      data: { endpointId: endpoint.id },
    });

    await receiver.close();
    const down = await request('POST', `/v1/webhooks/${endpoint.id}/test`);
    expect(down.body).toMatchObject({
      succeeded: false,
      statusCode: null,
      error: expect.stringMatching(/refused/),
    });
  });
});

describe('replay', () => {
  it('queues one event again, or every event of a time range', async () => {
    const { request } = await newProject();
    const receiver = await startReceiver();
    const endpoint = await createEndpoint(request, { url: receiver.url });
    const since = new Date(Date.now() - 1000).toISOString();
    await sendEmail(request);
    const [accepted] = await receiver.waitFor(2);

    const one = await request('POST', `/v1/webhooks/${endpoint.id}/replay`, {
      eventId: accepted?.json.data.id,
    });
    expect(one).toMatchObject({ status: 202, body: { queued: 1 } });
    const [, , again] = await receiver.waitFor(3);
    expect(again?.body).toBe(accepted?.body);
    expect(again?.headers['webhook-id']).toBe(accepted?.headers['webhook-id']);

    const until = new Date(Date.now() + 1000).toISOString();
    const range = await request('POST', `/v1/webhooks/${endpoint.id}/replay`, { since, until });
    expect(range).toMatchObject({ status: 202, body: { queued: 2 } });
    await receiver.waitFor(5);
    const onlySent = await request('POST', `/v1/webhooks/${endpoint.id}/replay`, {
      since,
      until,
      eventTypes: ['sent'],
    });
    expect(onlySent.body).toEqual({ queued: 1 });
    await receiver.waitFor(6);
    expect(receiver.received.slice(3).map((r) => r.json.type)).toEqual([
      'message.accepted',
      'message.sent',
      'message.sent',
    ]);
    const replays = (await request('GET', `/v1/webhooks/${endpoint.id}/deliveries`)).body.data;
    expect(replays.filter((d: Json) => d.replay)).toHaveLength(4);
  });

  it('refuses unclear requests with a code and path', async () => {
    const { request } = await newProject();
    const receiver = await startReceiver();
    const endpoint = await createEndpoint(request, { url: receiver.url });
    const now = Date.now();
    const at = (ms: number) => new Date(now + ms).toISOString();
    const cases: [Record<string, unknown>, string, string][] = [
      [{}, 'field_required', 'since'],
      [{ eventId: '1', since: at(-1000), until: at(0) }, 'conflicting_fields', 'since'],
      [{ since: at(-1000) }, 'field_required', 'until'],
      [{ since: at(0), until: at(0) }, 'replay_range_invalid', 'until'],
      [{ since: at(-32 * 86_400_000), until: at(0) }, 'replay_range_invalid', 'until'],
      [{ eventId: '999999999' }, 'event_not_found', 'eventId'],
      [{ eventId: 'evt_abc' }, 'event_not_found', 'eventId'],
      [{ since: 'yesterday', until: at(0) }, 'invalid_format', 'since'],
    ];
    for (const [body, code, path] of cases) {
      const res = await request('POST', `/v1/webhooks/${endpoint.id}/replay`, body);
      expect({ body, status: res.status, code: res.body.error?.code, path: res.body.error?.path }).toEqual({
        body,
        status: 422,
        code,
        path,
      });
    }
    // Another project's event is not found either.
    const other = await newProject();
    await sendEmail(other.request);
    const foreign = await aviso.database.db
      .selectFrom('message_events')
      .select('id')
      .where('project_id', '=', other.projectId)
      .executeTakeFirstOrThrow();
    const res = await request('POST', `/v1/webhooks/${endpoint.id}/replay`, { eventId: foreign.id });
    expect(res.body.error?.code).toBe('event_not_found');
  });
});

describe('SSRF guard', () => {
  it('refuses private, loopback and link-local URLs unless allowed', async () => {
    const { request } = await newProject(guarded);
    for (const url of [
      'http://127.0.0.1:8080/hooks',
      'http://localhost/',
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/',
      'http://[::ffff:127.0.0.1]/',
      'http://10.1.2.3/',
      'http://192.168.0.10/',
      'http://0.0.0.0/',
    ]) {
      const res = await request('POST', '/v1/webhooks', { url });
      expect({ url, status: res.status, code: res.body.error?.code, path: res.body.error?.path }).toEqual({
        url,
        status: 422,
        code: 'webhook_url_not_allowed',
        path: 'url',
      });
      expect(res.body.error.message).toContain('AVISO_WEBHOOKS_ALLOW_PRIVATE=true');
    }
    const localhost = await request('POST', '/v1/webhooks', { url: 'http://localhost/' });
    expect(localhost.body.error.message).toMatch(
      /"localhost" resolves to (127\.0\.0\.1|::1), a loopback address/,
    );
    const { id } = await createEndpoint(request, { url: 'https://93.184.216.34/hooks' });
    const moved = await request('PATCH', `/v1/webhooks/${id}`, { url: 'http://10.0.0.1/' });
    expect(moved.body.error).toMatchObject({ code: 'webhook_url_not_allowed', path: 'url' });
  });

  it('checks again at delivery time: an attempt to a private address is refused and logged', async () => {
    const { request, projectId } = await newProject(guarded);
    const receiver = await startReceiver();
    // As if the host had resolved to a public address when it was saved (DNS rebinding).
    await guarded.database.db
      .insertInto('webhook_endpoints')
      .values({
        id: 'wh_rebound',
        project_id: projectId,
        url: receiver.url,
        event_types: ['accepted'],
        secret: guarded.services.aviso.secrets.seal('whsec_AAAA', webhookSecretPlace('wh_rebound')),
      })
      .execute();
    await sendEmail(request);
    let log: Json;
    await waitUntil(
      async () => {
        log = (await request('GET', '/v1/webhooks/wh_rebound/attempts')).body;
        return log.data.length > 0;
      },
      5_000,
      () => JSON.stringify(log),
    );
    expect(log.data[0]).toMatchObject({ statusCode: null, succeeded: false, responseSnippet: null });
    expect(log.data[0].error).toMatch(/^Not sent: "127\.0\.0\.1" is a loopback address/);
    expect(receiver.received).toHaveLength(0);
  });
});

describe('several dispatchers', () => {
  it('deliver each event exactly once', async () => {
    const second = new WebhookDispatcher(
      aviso.database.db,
      aviso.services.aviso.secrets,
      aviso.config,
      createLogger('silent'),
      {
        pollMs: 20,
      },
    );
    second.start();
    try {
      const { request } = await newProject();
      const receiver = await startReceiver(() => ({ status: 200, delayMs: 15 }));
      await createEndpoint(request, { url: receiver.url });
      const batch = await request('POST', '/v1/messages/batch', {
        messages: Array.from({ length: 30 }, (_, i) => ({
          to: `n${i}@example.com`,
          subject: 'Hi',
          text: 'Hi',
        })),
      });
      expect(batch.status).toBe(200);
      await receiver.waitFor(60, 20_000);
      await sleep(500);
      const ids = receiver.received.map((r) => r.headers['webhook-id']);
      expect(ids).toHaveLength(60);
      expect(new Set(ids).size).toBe(60);
    } finally {
      await second.stop(5_000);
    }
  });
});

describe('stopping a dispatcher', () => {
  it('waits for requests in flight up to the grace time, then gives their claims back', async () => {
    // The API alone: the test runs the only dispatchers.
    const apiOnly = await startTestAviso(
      { AVISO_WEBHOOKS_ALLOW_PRIVATE: 'true', AVISO_WEBHOOK_RETRY_SECONDS: '0.2' },
      { api: true, worker: false },
    );
    const log = createLogger('silent');
    try {
      const { request } = await newProject(apiOnly);
      const receiver = await startReceiver((_r, n) =>
        n === 1 ? { status: 200, delayMs: 5_000 } : { status: 200 },
      );
      const endpoint = await createEndpoint(request, { url: receiver.url, eventTypes: ['accepted'] });
      await sendEmail(request);

      const first = new WebhookDispatcher(
        apiOnly.database.db,
        apiOnly.services.aviso.secrets,
        apiOnly.config,
        log,
        { pollMs: 20 },
      );
      first.start();
      await receiver.waitFor(1);
      const started = Date.now();
      await first.stop(200);
      expect(Date.now() - started).toBeLessThan(2_000);
      const row = await apiOnly.database.db
        .selectFrom('webhook_deliveries')
        .select(['status', 'attempts', 'locked_until'])
        .where('endpoint_id', '=', endpoint.id)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'pending', attempts: 0, locked_until: null });

      const second = new WebhookDispatcher(
        apiOnly.database.db,
        apiOnly.services.aviso.secrets,
        apiOnly.config,
        log,
        { pollMs: 20 },
      );
      second.start();
      try {
        const [aborted, again] = await receiver.waitFor(2);
        expect(again?.headers['webhook-id']).toBe(aborted?.headers['webhook-id']);
        await waitUntil(
          async () =>
            (await request('GET', `/v1/webhooks/${endpoint.id}/deliveries?status=succeeded`)).body.data
              .length === 1,
          5_000,
          () => 'the delivery to succeed',
        );
      } finally {
        await second.stop(1_000);
      }
    } finally {
      await apiOnly.stop();
    }
  });

  it('holds 16 requests in flight without a listener-leak warning, and aborts each at stop', async () => {
    const apiOnly = await startTestAviso(
      { AVISO_WEBHOOKS_ALLOW_PRIVATE: 'true', AVISO_WEBHOOK_RETRY_SECONDS: '0.2' },
      { api: true, worker: false },
    );
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      const { request } = await newProject(apiOnly);
      const receiver = await startReceiver(() => ({ status: 200, delayMs: 10_000 }));
      const endpoint = await createEndpoint(request, { url: receiver.url, eventTypes: ['accepted'] });
      const batch = await request('POST', '/v1/messages/batch', {
        messages: Array.from({ length: 20 }, (_, i) => ({
          to: `n${i}@example.com`,
          subject: 'Hi',
          text: 'Hi',
        })),
      });
      expect(batch.status).toBe(200);

      const dispatcher = new WebhookDispatcher(
        apiOnly.database.db,
        apiOnly.services.aviso.secrets,
        apiOnly.config,
        createLogger('silent'),
        { pollMs: 20 },
      );
      dispatcher.start();
      await receiver.waitFor(16);
      await dispatcher.stop(100);
      await sleep(50); // process warnings are emitted on a later tick
      expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
      const rows = await apiOnly.database.db
        .selectFrom('webhook_deliveries')
        .select(['status', 'attempts', 'locked_until'])
        .where('endpoint_id', '=', endpoint.id)
        .execute();
      expect(rows).toHaveLength(20);
      expect(rows.every((r) => r.status === 'pending' && r.attempts === 0 && r.locked_until === null)).toBe(
        true,
      );
    } finally {
      process.off('warning', onWarning);
      await apiOnly.stop();
    }
  });
});
