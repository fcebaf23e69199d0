// The messages API against a real database, with the capture provider (no SMTP): accepting,
// idempotency, batches, scheduling, canceling, listing, tenant isolation and the raw MIME.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';

let aviso: TestAviso;

beforeAll(async () => {
  aviso = await startTestAviso();
});

afterAll(async () => {
  await aviso?.stop();
});

const email = (to: string, extra: Record<string, unknown> = {}) => ({
  to,
  subject: 'Hello',
  text: 'Hi there',
  ...extra,
});

describe('POST /v1/messages', () => {
  it('stores the message and its job before answering 202', async () => {
    const res = await aviso.request('POST', '/v1/messages', { body: email('ana@example.com') });
    expect(res.status).toBe(202);
    const row = await aviso.database.db
      .selectFrom('messages')
      .selectAll()
      .where('id', '=', res.body.id)
      .executeTakeFirst();
    expect(row).toMatchObject({
      to_address: 'ana@example.com',
      from_address: 'tests@aviso.test',
      from_name: 'Aviso Tests',
    });
  });

  it('captures the MIME when no provider is configured and serves it raw', async () => {
    const res = await aviso.request('POST', '/v1/messages', {
      body: email('raw@example.com', { html: '<b>hi</b>' }),
    });
    await aviso.waitForStatus(res.body.id, ['sent']);
    const raw = await aviso.request('GET', `/v1/messages/${res.body.id}/raw`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toContain('message/rfc822');
    expect(raw.body).toContain('To: raw@example.com');
    expect(raw.body).toContain('Content-Type: multipart/alternative');
    const message = await aviso.request('GET', `/v1/messages/${res.body.id}`);
    expect(message.body).toMatchObject({ status: 'sent', provider: 'capture' });
  });
});

describe('Idempotency-Key', () => {
  it('replays the first answer for the same key and body', async () => {
    const headers = { 'idempotency-key': 'order-1042-confirmation' };
    const first = await aviso.request('POST', '/v1/messages', { body: email('idem@example.com'), headers });
    const again = await aviso.request('POST', '/v1/messages', {
      // Same body, other key order: still the same request.
      body: { text: 'Hi there', subject: 'Hello', to: 'idem@example.com' },
      headers,
    });
    expect(first.status).toBe(202);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const stored = await aviso.database.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('to_address', '=', 'idem@example.com')
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(1);
  });

  it('refuses the same key with another body (409)', async () => {
    const headers = { 'idempotency-key': 'reused-key' };
    await aviso.request('POST', '/v1/messages', { body: email('a@example.com'), headers });
    const other = await aviso.request('POST', '/v1/messages', { body: email('b@example.com'), headers });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'idempotency_key_reused', path: 'Idempotency-Key' });
  });

  it('gives one message to concurrent requests with the same key', async () => {
    const headers = { 'idempotency-key': 'concurrent-key' };
    const results = await Promise.all(
      Array.from({ length: 8 }, () =>
        aviso.request('POST', '/v1/messages', { body: email('race@example.com'), headers }),
      ),
    );
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(results.every((r) => r.status === 202)).toBe(true);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(7);
  });

  it('does not keep the key when the request is refused', async () => {
    const headers = { 'idempotency-key': 'fix-and-retry' };
    const bad = await aviso.request('POST', '/v1/messages', { body: email('not-an-address'), headers });
    expect(bad.status).toBe(422);
    const good = await aviso.request('POST', '/v1/messages', { body: email('fixed@example.com'), headers });
    expect(good.status).toBe(202);
  });

  it('refuses a malformed key', async () => {
    const res = await aviso.request('POST', '/v1/messages', {
      body: email('a@example.com'),
      headers: { 'idempotency-key': 'has space' },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('invalid_idempotency_key');
  });
});

describe('POST /v1/messages/batch', () => {
  it('accepts the good items and reports the bad ones, in order', async () => {
    const res = await aviso.request('POST', '/v1/messages/batch', {
      body: {
        messages: [
          email('one@example.com'),
          email('not an address'),
          email('three@example.com', { priority: 'urgent' }),
          { to: 'four@example.com', template: 'no-such-template', data: {} },
          email('five@example.com', { sendAt: new Date(Date.now() + 3_600_000).toISOString() }),
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.accepted).toBe(2);
    expect(res.body.rejected).toBe(3);
    const [one, two, three, four, five] = res.body.data;
    expect(one).toEqual({
      id: expect.stringMatching(/^msg_/),
      status: 'queued',
      channel: 'email',
      to: expect.stringContaining('@'),
    });
    expect(two.error).toMatchObject({ code: 'invalid_address', path: 'messages[1].to' });
    expect(three.error).toMatchObject({ code: 'invalid_value', path: 'messages[2].priority' });
    expect(four.error).toMatchObject({ code: 'template_not_found', path: 'messages[3].template' });
    expect(five).toMatchObject({ id: expect.stringMatching(/^msg_/), status: 'scheduled' });
    const found = await aviso.request('GET', `/v1/messages/${one.id}`);
    expect(found.status).toBe(200);
  });

  it('refuses more than 500 messages with a clear error', async () => {
    const res = await aviso.request('POST', '/v1/messages/batch', {
      body: { messages: Array.from({ length: 501 }, (_, i) => email(`u${i}@example.com`)) },
    });
    expect(res.status).toBe(413);
    expect(res.body.error).toMatchObject({ code: 'batch_too_large', path: 'messages' });
    expect(res.body.error.message).toContain('501');
  });

  it('refuses an empty batch and a body that is not a batch', async () => {
    const empty = await aviso.request('POST', '/v1/messages/batch', { body: { messages: [] } });
    expect(empty.status).toBe(422);
    expect(empty.body.error.code).toBe('batch_empty');
    const wrong = await aviso.request('POST', '/v1/messages/batch', { body: [email('a@example.com')] });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('invalid_type');
  });

  it('replays a batch with the same Idempotency-Key', async () => {
    const headers = { 'idempotency-key': 'batch-1' };
    const body = { messages: [email('b1@example.com'), email('b2@example.com')] };
    const first = await aviso.request('POST', '/v1/messages/batch', { body, headers });
    const again = await aviso.request('POST', '/v1/messages/batch', { body, headers });
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
  });
});

describe('scheduling and canceling', () => {
  it('holds a scheduled message until its time, then sends it', async () => {
    const sendAt = new Date(Date.now() + 1500);
    const res = await aviso.request('POST', '/v1/messages', {
      body: email('later@example.com', { sendAt: sendAt.toISOString() }),
    });
    expect(res.body.status).toBe('scheduled');
    await new Promise((r) => setTimeout(r, 700));
    expect((await aviso.request('GET', `/v1/messages/${res.body.id}`)).body.status).toBe('scheduled');
    const sent = await aviso.waitForStatus(res.body.id, ['sent']);
    const sentAt = new Date(sent.events.find((e: { type: string }) => e.type === 'sent').at);
    expect(sentAt.getTime()).toBeGreaterThanOrEqual(sendAt.getTime());
    expect(sent.events.map((e: { type: string }) => e.type)).toEqual(['accepted', 'scheduled', 'sent']);
    expect(sent.sendAt).toBe(sendAt.toISOString());
  });

  it('treats a past sendAt as now and refuses one more than a year ahead', async () => {
    const past = await aviso.request('POST', '/v1/messages', {
      body: email('now@example.com', { sendAt: '2020-01-01T00:00:00Z' }),
    });
    expect(past.body.status).toBe('queued');
    const far = await aviso.request('POST', '/v1/messages', {
      body: email('far@example.com', { sendAt: '2099-01-01T00:00:00Z' }),
    });
    expect(far.status).toBe(422);
    expect(far.body.error).toMatchObject({ code: 'send_at_too_far', path: 'sendAt' });
    const bad = await aviso.request('POST', '/v1/messages', {
      body: email('bad@example.com', { sendAt: 'tomorrow' }),
    });
    expect(bad.body.error).toMatchObject({ code: 'invalid_format', path: 'sendAt' });
  });

  it('cancels a scheduled message, which is then never sent', async () => {
    const res = await aviso.request('POST', '/v1/messages', {
      body: email('cancel@example.com', { sendAt: new Date(Date.now() + 1000).toISOString() }),
    });
    const canceled = await aviso.request('DELETE', `/v1/messages/${res.body.id}`);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toEqual({ id: res.body.id, status: 'canceled' });
    await new Promise((r) => setTimeout(r, 1500));
    const message = await aviso.request('GET', `/v1/messages/${res.body.id}`);
    expect(message.body.status).toBe('canceled');
    expect(message.body.events.map((e: { type: string }) => e.type)).toEqual([
      'accepted',
      'scheduled',
      'canceled',
    ]);
    const again = await aviso.request('DELETE', `/v1/messages/${res.body.id}`);
    expect(again.status).toBe(409);
  });

  it('refuses to cancel a sent message (409)', async () => {
    const res = await aviso.request('POST', '/v1/messages', { body: email('gone@example.com') });
    await aviso.waitForStatus(res.body.id, ['sent']);
    const cancel = await aviso.request('DELETE', `/v1/messages/${res.body.id}`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.error.code).toBe('message_not_cancelable');
    expect(cancel.body.error.message).toContain('sent');
  });
});

describe('GET /v1/messages', () => {
  it('filters by recipient, tag and status and pages with a cursor', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await aviso.request('POST', '/v1/messages', {
        body: email('list@example.com', { tags: ['welcome', `n${i}`] }),
      });
      ids.push(res.body.id);
    }
    const first = await aviso.request('GET', '/v1/messages?to=list@example.com&limit=2');
    expect(first.status).toBe(200);
    expect(first.body.data.map((m: { id: string }) => m.id)).toEqual([ids[4], ids[3]]);
    const second = await aviso.request(
      'GET',
      `/v1/messages?to=list@example.com&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.data.map((m: { id: string }) => m.id)).toEqual([ids[2], ids[1]]);
    const third = await aviso.request(
      'GET',
      `/v1/messages?to=list@example.com&limit=2&cursor=${second.body.nextCursor}`,
    );
    expect(third.body.data.map((m: { id: string }) => m.id)).toEqual([ids[0]]);
    expect(third.body.nextCursor).toBeNull();

    const tagged = await aviso.request('GET', '/v1/messages?tag=n3');
    expect(tagged.body.data.map((m: { id: string }) => m.id)).toEqual([ids[3]]);
    for (const id of ids) await aviso.waitForStatus(id, ['sent']);
    const sent = await aviso.request('GET', '/v1/messages?to=list@example.com&status=sent&limit=100');
    expect(sent.body.data).toHaveLength(5);
    const none = await aviso.request('GET', '/v1/messages?to=list@example.com&status=queued');
    expect(none.body.data).toHaveLength(0);
  });

  it('filters by time', async () => {
    const before = new Date();
    await new Promise((r) => setTimeout(r, 5));
    const res = await aviso.request('POST', '/v1/messages', { body: email('time@example.com') });
    const since = await aviso.request(
      'GET',
      `/v1/messages?to=time@example.com&since=${before.toISOString()}`,
    );
    expect(since.body.data.map((m: { id: string }) => m.id)).toEqual([res.body.id]);
    const until = await aviso.request(
      'GET',
      `/v1/messages?to=time@example.com&until=${before.toISOString()}`,
    );
    expect(until.body.data).toHaveLength(0);
  });

  it('refuses bad filters with codes', async () => {
    const status = await aviso.request('GET', '/v1/messages?status=lost');
    expect(status.status).toBe(422);
    expect(status.body.error).toMatchObject({ code: 'invalid_value', path: 'status' });
    const limit = await aviso.request('GET', '/v1/messages?limit=1000');
    expect(limit.body.error).toMatchObject({ code: 'invalid_value', path: 'limit' });
    const cursor = await aviso.request('GET', '/v1/messages?cursor=garbage');
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.code).toBe('invalid_cursor');
  });
});

describe('tenant isolation', () => {
  it("keeps one project's messages invisible to another project's key", async () => {
    const mine = await aviso.request('POST', '/v1/messages', { body: email('private@example.com') });
    const otherKey = await aviso.otherProjectKey();
    const read = await aviso.request('GET', `/v1/messages/${mine.body.id}`, { key: otherKey });
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('not_found');
    expect((await aviso.request('GET', `/v1/messages/${mine.body.id}/raw`, { key: otherKey })).status).toBe(
      404,
    );
    expect((await aviso.request('DELETE', `/v1/messages/${mine.body.id}`, { key: otherKey })).status).toBe(
      404,
    );
    const list = await aviso.request('GET', '/v1/messages?to=private@example.com', { key: otherKey });
    expect(list.body.data).toHaveLength(0);
    // The same Idempotency-Key in two projects does not collide.
    const headers = { 'idempotency-key': 'shared-key' };
    const a = await aviso.request('POST', '/v1/messages', { body: email('x@example.com'), headers });
    const b = await aviso.request('POST', '/v1/messages', {
      body: email('x@example.com'),
      headers,
      key: otherKey,
    });
    expect(b.status).toBe(202);
    expect(b.body.id).not.toBe(a.body.id);
  });
});

describe('service endpoints', () => {
  it('answers health, readiness and the OpenAPI document without a key', async () => {
    expect((await aviso.request('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
    expect((await aviso.request('GET', '/readyz', { key: null })).status).toBe(200);
    const openapi = await aviso.request('GET', '/openapi.json', { key: null });
    expect(openapi.body.openapi).toBe('3.1.0');
    for (const path of [
      '/v1/messages',
      '/v1/messages/batch',
      '/v1/messages/{id}',
      '/v1/messages/{id}/raw',
      '/v1/templates/{key}',
      '/v1/templates/{key}/publish',
      '/v1/templates/{key}/render',
      '/v1/templates/{key}/test',
      '/v1/templates/{key}/versions/{version}/publish',
      '/v1/layouts/{key}',
      '/v1/providers',
      '/v1/providers/{id}',
      '/v1/providers/{id}/whatsapp-templates/sync',
      '/v1/callbacks/twilio/{id}',
      '/v1/callbacks/vonage/{id}',
      '/v1/callbacks/whatsapp/{id}',
      '/v1/events',
      '/v1/suppressions',
      '/v1/suppressions/{address}',
      '/v1/suppressions/import',
      '/v1/inbound/bounce',
      '/v1/project',
      '/v1/webhooks',
      '/v1/webhooks/{id}',
      '/v1/webhooks/{id}/attempts',
      '/v1/webhooks/{id}/replay',
      '/u/{token}',
    ]) {
      expect(Object.keys(openapi.body.paths)).toContain(path);
    }
    expect(openapi.body.paths['/v1/messages'].post.requestBody).toBeDefined();
    // Channels in the request, and the callbacks need no API key.
    const request = openapi.body.components.schemas.MessageRequest;
    expect(request.properties.channel.enum).toEqual(['email', 'sms', 'whatsapp']);
    expect(request.properties.validFor).toBeDefined();
    expect(openapi.body.paths['/v1/callbacks/twilio/{id}'].post.security).toEqual([]);
    expect(openapi.body.paths['/u/{token}'].post.security).toEqual([]);
    expect(request.properties.tracking).toBeDefined();
    expect(openapi.body.components.schemas.Accepted.properties.suppression).toBeDefined();
    const docs = await fetch(`${aviso.url}/docs`, { redirect: 'follow' });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('swagger');
  });
});
