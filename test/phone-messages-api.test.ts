// SMS and WhatsApp through the API with no provider configured (the capture provider): the
// channel decided from `to` and the template, phone numbers normalized with the project's
// region, every misuse refused with its code and field, the SMS encoding and segments
// recorded, and what would have been sent readable as JSON.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDefaultRegion } from '../src/projects/projects.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';

let aviso: TestAviso;

beforeAll(async () => {
  aviso = await startTestAviso();
});

afterAll(async () => {
  await aviso?.stop();
});

const send = (body: unknown) => aviso.request('POST', '/v1/messages', { body });

describe('SMS by API', () => {
  it('infers the channel from a phone number, normalizes it and records the encoding', async () => {
    const res = await send({ to: '+34 600 11 12 22', text: 'Tu pedido ha salido. Llega mañana.' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({
      channel: 'sms',
      to: '+34600111222',
      sms: { encoding: 'GSM-7', segments: 1 },
    });
    const sent = await aviso.waitForStatus(res.body.id, ['sent']);
    expect(sent).toMatchObject({
      channel: 'sms',
      to: { phone: '+34600111222' },
      from: null,
      provider: 'capture',
    });
    expect(sent.sms).toEqual({ encoding: 'GSM-7', segments: 1 });
    expect(sent.events[0]).toMatchObject({
      type: 'accepted',
      details: { encoding: 'GSM-7', segments: 1 },
    });
    const raw = await aviso.request('GET', `/v1/messages/${res.body.id}/raw`);
    expect(raw.headers.get('content-type')).toContain('application/json');
    expect(raw.body).toMatchObject({ to: '+34600111222', text: 'Tu pedido ha salido. Llega mañana.' });
  });

  it('counts UCS-2 segments for Spanish accents and emoji', async () => {
    const accents = await send({ to: '+34600111222', text: 'Tu código es 123456. Válido 10 minutos.' });
    expect(accents.body.sms).toEqual({ encoding: 'UCS-2', segments: 1 });
    const long = 'Hola Ana 👋, tu pedido #1234 está en camino y llegará el miércoles. '.repeat(3);
    const emoji = await send({ to: '+34600111222', text: long, from: 'Acme' });
    // 213 UTF-16 units: 67 per segment → 4 segments.
    expect(emoji.body.sms).toEqual({ encoding: 'UCS-2', segments: Math.ceil(long.length / 67) });
    const message = await aviso.request('GET', `/v1/messages/${emoji.body.id}`);
    expect(message.body.from).toEqual({ sender: 'Acme' });
  });

  it('reads national numbers with the project region, and refuses them without one', async () => {
    const none = await send({ to: '600 11 12 22', text: 'hola' });
    expect(none.status).toBe(422);
    expect(none.body.error).toMatchObject({ code: 'invalid_phone_number', path: 'to' });
    expect(none.body.error.message).toContain('set-region');
    await setDefaultRegion(aviso.database.db, aviso.services.aviso.defaultProject.id, 'ES');
    const es = await send({ to: '600 11 12 22', text: 'hola' });
    expect(es.status).toBe(202);
    expect(es.body.to).toBe('+34600111222');
    await setDefaultRegion(aviso.database.db, aviso.services.aviso.defaultProject.id, null);
  });

  it.each([
    ['a number too short', { to: '+34 600', text: 'x' }, 'invalid_phone_number', 'to'],
    ['letters for a number', { channel: 'sms', to: 'ana', text: 'x' }, 'invalid_phone_number', 'to'],
    [
      'an email address on SMS',
      { channel: 'sms', to: 'ana@example.com', text: 'x' },
      'invalid_phone_number',
      'to',
    ],
    [
      'a phone number on email',
      { channel: 'email', to: '+34600111222', subject: 's', text: 'x' },
      'invalid_address',
      'to',
    ],
    ['a subject on SMS', { to: '+34600111222', subject: 's', text: 'x' }, 'conflicting_fields', 'subject'],
    ['html on SMS', { to: '+34600111222', html: '<b>x</b>', text: 'x' }, 'conflicting_fields', 'html'],
    ['no text', { to: '+34600111222' }, 'content_missing', 'text'],
    [
      'a sender ID of 12 characters',
      { to: '+34600111222', text: 'x', from: 'AcmeShopping' },
      'invalid_sender_id',
      'from',
    ],
    [
      'a sender ID with punctuation',
      { to: '+34600111222', text: 'x', from: 'Acme!' },
      'invalid_sender_id',
      'from',
    ],
    [
      'an attachment on SMS',
      { to: '+34600111222', text: 'x', attachments: [{ filename: 'a.pdf', content: 'AA==' }] },
      'conflicting_fields',
      'attachments[0]',
    ],
    [
      'a sender on WhatsApp',
      { channel: 'whatsapp', to: '+34600111222', text: 'x', from: 'Acme' },
      'conflicting_fields',
      'from',
    ],
    [
      'a WhatsApp attachment without url',
      {
        channel: 'whatsapp',
        to: '+34600111222',
        template: 'invoice',
        data: {},
        attachments: [{ filename: 'a.pdf', content: 'AA==' }],
      },
      'field_required',
      'attachments[0].url',
    ],
    ['an SMS of 1601 characters', { to: '+34600111222', text: 'a'.repeat(1601) }, 'text_too_long', 'text'],
    ['validFor under 10 s', { to: '+34600111222', text: 'x', validFor: 5 }, 'invalid_value', 'validFor'],
    ['an unknown channel', { channel: 'fax', to: '+34600111222', text: 'x' }, 'invalid_value', 'channel'],
  ])('refuses %s', async (_name, body, code, path) => {
    const res = await send(body);
    expect(res.status).toBe(422);
    const errors = [res.body.error, ...(res.body.error.details ?? [])];
    expect(errors).toContainEqual(expect.objectContaining({ code, path }));
  });

  it('sends the SMS of a template, or asks which channel when it has SMS and WhatsApp', async () => {
    const data = { code: '482913', expiresInMinutes: 10, customer: { firstName: 'Ana' } };
    const both = await send({ to: '+34600111222', template: 'two-factor-code', data, locale: 'es' });
    expect(both.status).toBe(422);
    expect(both.body.error).toMatchObject({ code: 'channel_required', path: 'channel' });
    const sms = await send({
      channel: 'sms',
      to: '+34600111222',
      template: 'two-factor-code',
      data,
      locale: 'es',
      priority: 'high',
    });
    expect(sms.status).toBe(202);
    const message = await aviso.waitForStatus(sms.body.id, ['sent']);
    expect(message).toMatchObject({ channel: 'sms', template: 'two-factor-code', locale: 'es' });
    // The template says a code is worth 10 minutes.
    const validFor = Date.parse(message.validUntil) - Date.parse(message.createdAt);
    expect(validFor).toBeGreaterThan(599_000);
    expect(validFor).toBeLessThan(601_000);
    const raw = await aviso.request('GET', `/v1/messages/${sms.body.id}/raw`);
    expect(raw.body.text).toContain('482913');
  });

  it('accepts a batch mixing email, SMS and WhatsApp, each with its own result', async () => {
    const res = await aviso.request('POST', '/v1/messages/batch', {
      body: {
        messages: [
          { to: 'ana@example.com', subject: 'Hola', text: 'x' },
          { to: '+34600111222', text: 'Hola' },
          { to: '+34 600', text: 'Hola' },
          { channel: 'whatsapp', to: '+34600111222', template: 'shipping-update', data: {} },
        ],
      },
    });
    expect(res.status).toBe(200);
    const [email, sms, bad, whatsapp] = res.body.data;
    expect(email).toMatchObject({ channel: 'email' });
    expect(sms).toMatchObject({ channel: 'sms', sms: { segments: 1 } });
    expect(bad.error).toMatchObject({ code: 'invalid_phone_number', path: 'messages[2].to' });
    expect(whatsapp.error).toMatchObject({ code: 'template_variable_missing' });
  });
});

describe('expiry', () => {
  it('ends a message whose validFor ran out before a worker took it as expired, unsent', async () => {
    const worker = aviso.services.worker;
    if (!worker) throw new Error('the test Aviso runs a worker');
    await worker.stop();
    try {
      const res = await send({
        to: '+34600111222',
        text: 'Your code: 123456',
        validFor: 60,
        priority: 'high',
      });
      expect(res.status).toBe(202);
      // The worker was down for longer than the code is worth.
      await sql`UPDATE messages SET valid_until = now() - interval '1 second' WHERE id = ${res.body.id}`.execute(
        aviso.database.db,
      );
      await worker.start();
      const expired = await aviso.waitForStatus(res.body.id, ['expired', 'sent']);
      expect(expired.status).toBe('expired');
      expect(expired.events.map((e: { type: string }) => e.type)).toEqual(['accepted', 'expired']);
      const raw = await aviso.request('GET', `/v1/messages/${res.body.id}/raw`);
      expect(raw.status).toBe(404);
    } finally {
      await worker.start().catch(() => {});
    }
  });
});
