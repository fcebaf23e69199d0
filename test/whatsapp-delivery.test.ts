// WhatsApp end to end against a fake Graph API: a provider configured through the API, its
// approved templates synced, template messages built from Aviso templates (a document header
// for an invoice PDF by URL), checks at accept time (unsynced, paused, wrong parameters, the
// 24-hour window, STOP), and signed webhooks whose statuses never move a message backwards.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { type FakeWhatsApp, startFakeWhatsApp } from './helpers/fake-whatsapp.ts';

const account = {
  accessToken: 'EAAG-test-token',
  appSecret: 'meta-app-secret',
  phoneNumberId: '106540352242922',
  wabaId: '102290129340398',
};
const verifyToken = 'my-verify-token';

let aviso: TestAviso;
let meta: FakeWhatsApp;
let provider: { id: string; callbackUrl: string };

const body = (n: number) => `Hola ${Array.from({ length: n }, (_, i) => `{{${i + 1}}}`).join(' ')}`;

beforeAll(async () => {
  meta = await startFakeWhatsApp({
    ...account,
    templates: [
      ...['en', 'es'].map((language) => ({
        name: 'verification_code',
        language,
        category: 'AUTHENTICATION',
        components: [
          { type: 'BODY', text: '*{{1}}* is your verification code.' },
          { type: 'BUTTONS', buttons: [{ type: 'OTP', text: 'Copy code' }] },
        ],
      })),
      {
        name: 'shipping_update',
        language: 'es',
        components: [
          { type: 'BODY', text: body(4) },
          { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Seguir', url: 'https://x.example/t/{{1}}' }] },
        ],
      },
      {
        name: 'invoice_available',
        language: 'en',
        components: [
          { type: 'HEADER', format: 'DOCUMENT' },
          { type: 'BODY', text: body(4) },
        ],
      },
      {
        name: 'appointment_reminder',
        language: 'es',
        status: 'PAUSED',
        components: [
          { type: 'BODY', text: body(4) },
          { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Ver', url: 'https://x.example/a/{{1}}' }] },
        ],
      },
      {
        name: 'spring_sale',
        language: 'en',
        category: 'MARKETING',
        components: [{ type: 'BODY', text: body(1) }],
      },
    ],
  });
  // The fake Graph API listens on 127.0.0.1.
  aviso = await startTestAviso({ AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' });
  const res = await aviso.request('POST', '/v1/providers', {
    body: {
      name: 'whatsapp',
      type: 'whatsapp',
      config: { ...account, verifyToken, baseUrl: meta.url },
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  provider = res.body;
});

afterAll(async () => {
  await Promise.all([aviso?.stop(), meta?.close()]);
});

const send = (message: Record<string, unknown>) =>
  aviso.request('POST', '/v1/messages', { body: { channel: 'whatsapp', to: '+34600111222', ...message } });

const code = { code: '482913', expiresInMinutes: 10 };

describe('WhatsApp', () => {
  it('refuses template messages until the approved templates are synced', async () => {
    const res = await send({ template: 'two-factor-code', data: code });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'whatsapp_templates_not_synced', path: 'template' });
    const sync = await aviso.request('POST', `/v1/providers/${provider.id}/whatsapp-templates/sync`);
    expect(sync.status).toBe(200);
    expect(sync.body.data).toContainEqual(
      expect.objectContaining({
        name: 'verification_code',
        language: 'es',
        status: 'APPROVED',
        parameters: { header: 0, body: 1, buttons: 1 },
      }),
    );
    expect(sync.body.data.find((t: { name: string }) => t.name === 'appointment_reminder').status).toBe(
      'PAUSED',
    );
  });

  it('answers the webhook verification challenge only with the right token', async () => {
    expect(await meta.verifyWebhook(provider.callbackUrl, verifyToken, '1158201444')).toEqual({
      status: 200,
      body: '1158201444',
    });
    expect((await meta.verifyWebhook(provider.callbackUrl, 'wrong', '1158201444')).status).toBe(403);
  });

  it('sends the 2FA template in Spanish; read, delivered and sent arrive out of order and twice', async () => {
    const res = await send({ template: 'two-factor-code', data: code, locale: 'es-MX', priority: 'high' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const sent = await aviso.waitForStatus(res.body.id, ['sent', 'failed', 'deferred']);
    expect(sent.status).toBe('sent');
    const request = meta.sent.find((m) => m.id === sent.providerMessageId);
    expect(request?.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '34600111222',
      type: 'template',
      template: {
        name: 'verification_code',
        language: { code: 'es' },
        components: [
          { type: 'body', parameters: [{ type: 'text', text: '482913' }] },
          { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: '482913' }] },
        ],
      },
    });
    const wamid = sent.providerMessageId;
    for (const status of ['read', 'delivered', 'sent', 'read', 'delivered']) {
      expect(await meta.sendStatus(provider.callbackUrl, wamid, status)).toBe(200);
    }
    const read = await aviso.waitForStatus(res.body.id, ['read']);
    expect(read.events.map((e: { type: string }) => e.type)).toEqual([
      'accepted',
      'rendered',
      'sent',
      'read',
      'delivered',
    ]);
    expect(read.status).toBe('read');
  });

  it('refuses badly signed and unsigned webhooks with 403, recording nothing', async () => {
    const res = await send({ template: 'two-factor-code', data: code, locale: 'en' });
    const sent = await aviso.waitForStatus(res.body.id, ['sent']);
    expect(
      await meta.sendStatus(provider.callbackUrl, sent.providerMessageId, 'delivered', {
        badSignature: true,
      }),
    ).toBe(403);
    expect(
      await meta.sendStatus(provider.callbackUrl, sent.providerMessageId, 'delivered', { unsigned: true }),
    ).toBe(403);
    expect(
      await meta.sendStatus(
        `${aviso.url}/v1/callbacks/whatsapp/prov_nope`,
        sent.providerMessageId,
        'delivered',
      ),
    ).toBe(403);
    expect((await aviso.request('GET', `/v1/messages/${res.body.id}`)).body.status).toBe('sent');
    // A status for a message Aviso never sent is acknowledged and ignored.
    expect(await meta.sendStatus(provider.callbackUrl, 'wamid.unknown', 'delivered')).toBe(200);
  });

  it('records a failed status with its error code', async () => {
    const res = await send({ template: 'two-factor-code', data: code, locale: 'en', to: '+34600111333' });
    const sent = await aviso.waitForStatus(res.body.id, ['sent']);
    await meta.sendStatus(provider.callbackUrl, sent.providerMessageId, 'failed', {
      errors: [{ code: 131026, title: 'Message undeliverable' }],
    });
    const failed = await aviso.waitForStatus(res.body.id, ['failed']);
    expect(failed.events.at(-1).details).toMatchObject({ errorCode: '131026', permanent: true });
  });

  it('keeps an error text with NUL and control characters from a status as clean, short text', async () => {
    const res = await send({ template: 'two-factor-code', data: code, locale: 'en', to: '+34600111444' });
    const sent = await aviso.waitForStatus(res.body.id, ['sent']);
    const title = `Message undeliverable\u0000\u001b[31m ${'x'.repeat(5000)} SECRET-AFTER-THE-CUT`;
    expect(
      await meta.sendStatus(provider.callbackUrl, sent.providerMessageId, 'failed', {
        errors: [{ code: 131026, title }],
      }),
    ).toBe(200);
    const failed = await aviso.waitForStatus(res.body.id, ['failed']);
    const errorText = failed.events.at(-1).details.errorText as string;
    expect(errorText).toMatch(/^Message undeliverable /);
    expect(Array.from(errorText).length).toBeLessThanOrEqual(200);
    expect(JSON.stringify(failed)).not.toContain('SECRET-AFTER-THE-CUT');
    expect([...errorText].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
  });

  it('refuses a paused template when accepted, and takes it once it is approved again', async () => {
    const data = {
      customer: { firstName: 'Ana' },
      appointment: {
        id: '8841',
        service: 'Revisión',
        startsAt: '2026-12-01T10:00:00Z',
        location: { name: 'Centro' },
      },
    };
    const paused = await send({ template: 'appointment-reminder', data, locale: 'es' });
    expect(paused.status).toBe(422);
    expect(paused.body.error.code).toBe('whatsapp_template_not_approved');
    expect(paused.body.error.message).toContain('PAUSED');
    meta.setTemplateStatus('appointment_reminder', 'es', 'APPROVED');
    await aviso.request('POST', `/v1/providers/${provider.id}/whatsapp-templates/sync`);
    const approved = await send({ template: 'appointment-reminder', data, locale: 'es' });
    expect(approved.status).toBe(202);
  });

  it('sends the invoice PDF as the document header, and refuses the template without it', async () => {
    const sample = JSON.parse(
      await readFile(
        new URL('../src/templates/starters/templates/invoice/sample-data.json', import.meta.url),
        'utf8',
      ),
    );
    const without = await send({ template: 'invoice', data: sample, locale: 'en', to: '+34600111444' });
    expect(without.status).toBe(422);
    expect(without.body.error).toMatchObject({ code: 'whatsapp_template_parameters' });
    expect(without.body.error.message).toContain('DOCUMENT');
    const res = await send({
      template: 'invoice',
      data: sample,
      locale: 'en',
      to: '+34600111444',
      attachments: [{ filename: 'INV-2026-0042.pdf', url: 'https://example.com/invoices/INV-2026-0042.pdf' }],
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const sent = await aviso.waitForStatus(res.body.id, ['sent', 'failed']);
    expect(sent.status).toBe('sent');
    const request = meta.sent.find((m) => m.id === sent.providerMessageId);
    if (!request) throw new Error('WhatsApp did not receive the invoice');
    const components = (request.body.template as { components: unknown[] }).components;
    expect(components[0]).toEqual({
      type: 'header',
      parameters: [
        {
          type: 'document',
          document: { link: 'https://example.com/invoices/INV-2026-0042.pdf', filename: 'INV-2026-0042.pdf' },
        },
      ],
    });
    expect(components[1]).toMatchObject({
      type: 'body',
      parameters: expect.arrayContaining([{ type: 'text', text: 'INV-2026-0042' }]),
    });
  });

  it('allows free-form text only within 24 hours of the customer writing', async () => {
    const closed = await send({ to: '+34600222333', text: 'Hi! Your order is on its way.' });
    expect(closed.status).toBe(422);
    expect(closed.body.error).toMatchObject({ code: 'whatsapp_window_closed', path: 'text' });
    expect(closed.body.error.message).toContain('24 hours');
    expect(await meta.sendInbound(provider.callbackUrl, '34600222333', '¿Dónde está mi pedido?')).toBe(200);
    const open = await send({ to: '+34600222333', text: 'Hi! Your order is on its way.' });
    expect(open.status).toBe(202);
    const sent = await aviso.waitForStatus(open.body.id, ['sent', 'failed']);
    const request = meta.sent.find((m) => m.id === sent.providerMessageId);
    expect(request?.body).toMatchObject({ type: 'text', text: { body: 'Hi! Your order is on its way.' } });
  });

  it('a STOP reply opts the customer out of promotional messages, not transactional ones', async () => {
    const create = await aviso.request('POST', '/v1/templates', {
      body: {
        key: 'spring-sale',
        name: 'Spring sale',
        category: 'promotional',
        locales: {
          en: { whatsapp: { template: 'spring_sale', language: 'en', parameters: { body: ['{{ name }}'] } } },
        },
      },
    });
    expect(create.status).toBe(201);
    expect((await aviso.request('POST', '/v1/templates/spring-sale/publish')).status).toBe(201);
    expect((await send({ to: '+34600333444', template: 'spring-sale', data: { name: 'Ana' } })).status).toBe(
      202,
    );
    expect(await meta.sendInbound(provider.callbackUrl, '34600333444', 'STOP')).toBe(200);
    const refused = await send({ to: '+34600333444', template: 'spring-sale', data: { name: 'Ana' } });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('whatsapp_opted_out');
    expect((await send({ to: '+34600333444', template: 'two-factor-code', data: code })).status).toBe(202);
  });

  it('paces messages to one recipient (pair rate limit) instead of failing them', async () => {
    meta.pairRateLimit = true;
    try {
      const to = '+34600444555';
      const first = await send({ to, template: 'two-factor-code', data: code, locale: 'en' });
      const second = await send({
        to,
        template: 'two-factor-code',
        data: { ...code, code: '111222' },
        locale: 'en',
      });
      const a = await aviso.waitForStatus(first.body.id, ['sent', 'failed', 'deferred']);
      const b = await aviso.waitForStatus(second.body.id, ['sent', 'failed', 'deferred'], 15_000);
      expect([a.status, b.status]).toEqual(['sent', 'sent']);
      // Only "accepted, rendered, sent": the wait was not a failure.
      expect(b.events.map((e: { type: string }) => e.type)).toEqual(['accepted', 'rendered', 'sent']);
      const times = meta.sent.filter((m) => m.to === '34600444555').map((m) => m.at);
      expect(times).toHaveLength(2);
      expect((times[1] as number) - (times[0] as number)).toBeGreaterThanOrEqual(5_900);
    } finally {
      meta.pairRateLimit = false;
    }
  });
});
