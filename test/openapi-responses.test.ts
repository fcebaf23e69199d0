// Real answers of a representative set of operations (every resource, successes and the
// usual errors) match what the OpenAPI document says of them: status, media type and body
// schema. The schemas are not used to serialise, so only a test like this keeps them true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { type OpenApiChecker, openApiChecker } from './helpers/openapi.ts';

let aviso: TestAviso;
let checker: OpenApiChecker;

beforeAll(async () => {
  aviso = await startTestAviso({ AVISO_WEBHOOKS_ALLOW_PRIVATE: 'true' });
  checker = openApiChecker((await aviso.request('GET', '/openapi.json', { key: null })).body);
});
afterAll(async () => {
  await aviso.stop();
});

type Options = Parameters<TestAviso['request']>[2];

/** Calls `method template` with the path values filled in, checks the answer, returns it. */
async function call(
  method: string,
  template: string,
  values: Record<string, string> = {},
  options?: Options,
) {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? ''));
  const query = values['?'] ? `?${values['?']}` : '';
  const answer = await aviso.request(method, `${path}${query}`, options);
  checker.check(method, template, answer);
  return answer;
}

const template = {
  name: 'Receipt',
  layout: null,
  locales: { en: { email: { subject: 'Order {{ order }}', text: 'Thanks for order {{ order }}.' } } },
};

describe('answers match the OpenAPI document', () => {
  it('health, tracking and callbacks', async () => {
    await call('GET', '/healthz', {}, { key: null });
    await call('GET', '/readyz', {}, { key: null });
    expect((await call('GET', '/t/o/{token}', { token: 'nope' }, { key: null })).status).toBe(200);
    expect((await call('GET', '/t/c/{token}', { token: 'nope' }, { key: null })).status).toBe(400);
    expect((await call('GET', '/u/{token}', { token: 'nope' }, { key: null })).status).toBe(400);
    const unsigned = await call(
      'POST',
      '/v1/callbacks/twilio/{id}',
      { id: 'prov_nope' },
      {
        key: null,
        raw: 'MessageSid=SM1&MessageStatus=delivered',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
    );
    expect(unsigned.status).toBe(403);
  });

  it('messages: send, batch, read, raw, list, cancel, and the edge errors', async () => {
    const sent = await call(
      'POST',
      '/v1/messages',
      {},
      {
        body: { to: 'ana@example.com', subject: 'Hi', text: 'Hello', metadata: { order: 7 } },
        headers: { 'idempotency-key': 'k-1' },
      },
    );
    expect(sent.status).toBe(202);
    const replayed = await call(
      'POST',
      '/v1/messages',
      {},
      {
        body: { to: 'ana@example.com', subject: 'Hi', text: 'Hello', metadata: { order: 7 } },
        headers: { 'idempotency-key': 'k-1' },
      },
    );
    expect(replayed.headers.get('idempotent-replayed')).toBe('true');
    expect(
      (
        await call(
          'POST',
          '/v1/messages',
          {},
          {
            body: { to: 'ana@example.com', subject: 'Other', text: 'x' },
            headers: { 'idempotency-key': 'k-1' },
          },
        )
      ).status,
    ).toBe(409);
    expect(
      (await call('POST', '/v1/messages', {}, { body: { to: 'nobody', subject: 'x', text: 'x' } })).status,
    ).toBe(422);
    expect((await call('POST', '/v1/messages', {}, { key: 'wrong', body: {} })).status).toBe(401);
    expect(
      (
        await call(
          'POST',
          '/v1/messages',
          {},
          { raw: '{"to":', headers: { 'content-type': 'application/json' } },
        )
      ).status,
    ).toBe(400);
    expect(
      (await call('POST', '/v1/messages', {}, { raw: 'hi', headers: { 'content-type': 'text/plain' } }))
        .status,
    ).toBe(415);
    const sms = await call(
      'POST',
      '/v1/messages',
      {},
      { body: { to: '+34600111222', text: 'Your code is 1234' } },
    );
    expect(sms.body.sms).toMatchObject({ encoding: 'GSM-7', segments: 1 });

    const batch = await call(
      'POST',
      '/v1/messages/batch',
      {},
      {
        body: { messages: [{ to: 'ana@example.com', subject: 'a', text: 'a' }, { to: 'bad' }] },
      },
    );
    expect(batch.body).toMatchObject({ accepted: 1, rejected: 1 });

    const id = sent.body.id as string;
    await aviso.waitForStatus(id, ['sent']);
    await aviso.waitForStatus(sms.body.id, ['sent']);
    await call('GET', '/v1/messages/{id}', { id });
    await call('GET', '/v1/messages/{id}', { id: 'msg_00000000000000000000000000' });
    const raw = await call('GET', '/v1/messages/{id}/raw', { id });
    expect(raw.headers.get('content-type')).toContain('message/rfc822');
    await call('GET', '/v1/messages/{id}/raw', { id: sms.body.id });
    await call('GET', '/v1/messages', { '?': 'limit=1' });
    await call('GET', '/v1/messages', { '?': 'cursor=nope' });
    await call('GET', '/v1/messages', { '?': 'limit=0' });
    expect((await call('DELETE', '/v1/messages/{id}', { id })).status).toBe(409);
    const later = await call(
      'POST',
      '/v1/messages',
      {},
      {
        body: {
          to: 'ana@example.com',
          subject: 'Later',
          text: 'x',
          sendAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      },
    );
    expect((await call('DELETE', '/v1/messages/{id}', { id: later.body.id })).status).toBe(200);
  });

  it('templates and layouts', async () => {
    await call(
      'PUT',
      '/v1/layouts/{key}',
      { key: 'plain' },
      {
        body: { name: 'Plain', locales: { en: { email: { text: 'ACME\n{{ content }}' } } } },
      },
    );
    await call('GET', '/v1/layouts');
    expect((await call('PUT', '/v1/templates/{key}', { key: 'receipt' }, { body: template })).status).toBe(
      201,
    );
    expect((await call('PUT', '/v1/templates/{key}', { key: 'Bad Key' }, { body: template })).status).toBe(
      422,
    );
    await call('GET', '/v1/templates');
    await call('GET', '/v1/templates/{key}', { key: 'receipt' });
    await call('GET', '/v1/templates/{key}', { key: 'missing' });
    await call('PUT', '/v1/templates/{key}/sample-data', { key: 'receipt' }, { body: { order: 'A-1' } });
    await call('POST', '/v1/templates/{key}/render', { key: 'receipt' }, { body: {} });
    await call('POST', '/v1/templates/{key}/publish', { key: 'receipt' });
    await call('GET', '/v1/templates/{key}/versions', { key: 'receipt' });
    await call('GET', '/v1/templates/{key}/versions/{version}', { key: 'receipt', version: '1' });
    await call('GET', '/v1/templates/{key}/versions/{version}', { key: 'receipt', version: '9' });
    await call('POST', '/v1/templates/{key}/test', { key: 'receipt' }, { body: { to: 'ana@example.com' } });
    await call('POST', '/v1/templates', {}, { body: { ...template, key: 'receipt' } });
    expect((await call('DELETE', '/v1/templates/{key}', { key: 'receipt' })).status).toBe(204);
  });

  it('providers, webhooks, events, project', async () => {
    const provider = await call(
      'POST',
      '/v1/providers',
      {},
      {
        body: { name: 'capture-sms', type: 'capture', channel: 'sms', enabled: false },
      },
    );
    await call(
      'POST',
      '/v1/providers',
      {},
      { body: { name: 'capture-sms', type: 'capture', channel: 'sms' } },
    );
    await call('GET', '/v1/providers');
    await call('GET', '/v1/providers/{id}', { id: provider.body.id });
    await call('PATCH', '/v1/providers/{id}', { id: provider.body.id }, { body: { rateLimit: 5 } });
    await call('GET', '/v1/providers/{id}/whatsapp-templates', { id: provider.body.id });
    await call('DELETE', '/v1/providers/{id}', { id: provider.body.id });
    await call('GET', '/v1/providers/{id}', { id: provider.body.id });

    const hook = await call('POST', '/v1/webhooks', {}, { body: { url: 'http://127.0.0.1:9/hook' } });
    const id = hook.body.id as string;
    await call('GET', '/v1/webhooks');
    await call('GET', '/v1/webhooks/{id}', { id });
    await call('PATCH', '/v1/webhooks/{id}', { id }, { body: { description: 'Orders' } });
    await call('GET', '/v1/webhooks/{id}/secret', { id });
    await call('POST', '/v1/webhooks/{id}/secret/rotate', { id });
    await call('POST', '/v1/webhooks/{id}/test', { id });
    await call('GET', '/v1/webhooks/{id}/attempts', { id });
    await call('GET', '/v1/webhooks/{id}/deliveries', { id });
    const events = await call('GET', '/v1/events', { '?': 'limit=5' });
    await call('GET', '/v1/events', { '?': 'type=nope' });
    const since = new Date(Date.now() - 3_600_000).toISOString();
    await call(
      'POST',
      '/v1/webhooks/{id}/replay',
      { id },
      { body: { since, until: new Date().toISOString() } },
    );
    if (events.body.data[0])
      await call('POST', '/v1/webhooks/{id}/replay', { id }, { body: { eventId: events.body.data[0].id } });
    await call('DELETE', '/v1/webhooks/{id}', { id });
    await call('GET', '/v1/webhooks/{id}', { id });

    await call('GET', '/v1/project');
    await call('PATCH', '/v1/project', {}, { body: { softBounces: { limit: 3 } } });
    await call('PATCH', '/v1/project', {}, { body: { softBounces: { limit: -1 } } });
  });

  it('suppressions and inbound mail', async () => {
    await call('POST', '/v1/suppressions', {}, { body: { address: 'Bea@Example.com', note: 'asked' } });
    await call('GET', '/v1/suppressions');
    await call('GET', '/v1/suppressions/{address}', { address: 'bea@example.com' });
    await call('GET', '/v1/suppressions/{address}', { address: 'nobody@example.com' });
    await call(
      'POST',
      '/v1/suppressions/import',
      {},
      {
        raw: 'address,stream\ncarl@example.com,promotional\nnot an address,\n',
        headers: { 'content-type': 'text/csv' },
      },
    );
    await call('DELETE', '/v1/suppressions/{address}', { address: 'bea@example.com' });
    await call('DELETE', '/v1/suppressions/{address}', { address: 'bea@example.com' });
    const inbound = await call(
      'POST',
      '/v1/inbound/bounce',
      {},
      {
        raw: 'From: someone@example.com\r\nTo: hello@aviso.test\r\nSubject: Hi\r\n\r\nNot a bounce.\r\n',
        headers: { 'content-type': 'message/rfc822' },
      },
    );
    expect(inbound.body.outcomes[0]).toMatchObject({ action: 'report', kind: 'none' });
  });
});
