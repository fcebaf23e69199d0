// End to end through a real SMTP server: what arrives is checked as MIME, the DKIM
// signature is verified, and temporary and permanent SMTP failures end where they should.

import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { addDomain, listDomains } from '../src/channels/email/domains.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { type SmtpSink, startSmtpSink } from './helpers/smtp-sink.ts';

let sink: SmtpSink;
let aviso: TestAviso;

beforeAll(async () => {
  sink = await startSmtpSink();
  aviso = await startTestAviso({
    AVISO_SMTP_URL: sink.url,
    AVISO_RETRY_BASE_SECONDS: '0.2',
    AVISO_RETRY_MAX_SECONDS: '1',
  });
});

afterAll(async () => {
  await aviso?.stop();
  await sink?.close();
});

beforeEach(() => {
  sink.received.length = 0;
  sink.reply = undefined;
  sink.rcpt = undefined;
});

const pdf = Buffer.concat([
  Buffer.from('%PDF-1.4\n'),
  Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256)),
]);

describe('email delivery over SMTP', () => {
  it('delivers correct MIME: UTF-8 subject and names, text and html, attachment bytes, Message-ID', async () => {
    const accepted = await aviso.request('POST', '/v1/messages', {
      body: {
        to: { email: 'ana@example.com', name: 'Ana Díaz' },
        from: 'Tienda Niño <ventas@shop.example>',
        replyTo: 'soporte@shop.example',
        subject: 'Pedido nº 1042 confirmado ✓',
        text: 'Hola Ana, tu pedido está confirmado.',
        html: '<p>Hola <b>Ana</b>, tu pedido está confirmado.</p>',
        attachments: [
          { filename: 'factura-1042.pdf', content: pdf.toString('base64'), contentType: 'application/pdf' },
        ],
        headers: { 'X-Order-Id': '1042' },
        tags: ['order'],
      },
    });
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({
      id: expect.stringMatching(/^msg_/),
      status: 'queued',
      channel: 'email',
      to: expect.stringContaining('@'),
    });
    const [mail] = await sink.waitFor(1);
    const parsed = await simpleParser(mail?.raw as Buffer);
    expect(mail?.to).toEqual(['ana@example.com']);
    expect(parsed.subject).toBe('Pedido nº 1042 confirmado ✓');
    expect(parsed.from?.value[0]).toEqual({ address: 'ventas@shop.example', name: 'Tienda Niño' });
    expect(parsed.to && !Array.isArray(parsed.to) && parsed.to.value[0]).toEqual({
      address: 'ana@example.com',
      name: 'Ana Díaz',
    });
    expect(parsed.replyTo?.value[0]?.address).toBe('soporte@shop.example');
    expect(parsed.text?.trim()).toBe('Hola Ana, tu pedido está confirmado.');
    expect(parsed.html).toContain('<p>Hola <b>Ana</b>, tu pedido está confirmado.</p>');
    expect(parsed.headers.get('x-order-id')).toBe('1042');
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]?.filename).toBe('factura-1042.pdf');
    expect(parsed.attachments[0]?.contentType).toBe('application/pdf');
    expect(Buffer.compare(parsed.attachments[0]?.content as Buffer, pdf)).toBe(0);
    const id = accepted.body.id as string;
    expect(parsed.messageId).toBe(`<${id}@shop.example>`);

    const message = await aviso.waitForStatus(id, ['sent']);
    expect(message.messageIdHeader).toBe(`<${id}@shop.example>`);
    expect(message.provider).toBe('smtp');
    expect(message.providerMessageId).toMatch(/^Q\d+$/);
    expect(message.events.map((e: { type: string }) => e.type)).toEqual(['accepted', 'sent']);
    expect(message.events[1].details.response).toMatch(/^250 /);
  });

  /**
   * Adds a sending domain (selector mail2026) to the default project; returns a DKIM check whose
   * resolver answers with the record `aviso domains add` tells the user to publish.
   */
  async function signingDomain(name: string) {
    const project = aviso.services.aviso.defaultProject.id;
    await addDomain(aviso.database.db, aviso.services.aviso.secrets, project, name, 'mail2026');
    const [domain] = (await listDomains(aviso.database.db, project)).filter((d) => d.domain === name);
    const txt = [...(domain?.dnsValue ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
    return (raw: Buffer) =>
      dkimVerify(raw, {
        resolver: async (host: string, type: string) => {
          if (type === 'TXT' && host === `mail2026._domainkey.${name}`) return [txt];
          throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
        },
      });
  }

  it('signs with DKIM when the sending domain has a key, and the signature verifies', async () => {
    const verify = await signingDomain('signed.example');
    const accepted = await aviso.request('POST', '/v1/messages', {
      body: {
        to: 'bo@example.com',
        from: 'hello@signed.example',
        subject: 'Signed',
        text: 'Body',
        html: '<p>Body</p>',
      },
    });
    expect(accepted.status).toBe(202);
    const [mail] = await sink.waitFor(1);
    const result = await verify(mail?.raw as Buffer);
    expect(result.results[0]?.status.result).toBe('pass');
    expect(result.results[0]?.signingDomain).toBe('signed.example');
  });

  it('signs the one-click unsubscribe headers of a promotional message (RFC 8058 §4)', async () => {
    const verify = await signingDomain('promo.example');
    const before = sink.received.length;
    const accepted = await aviso.request('POST', '/v1/messages', {
      body: {
        to: 'bo@example.com',
        from: 'news@promo.example',
        subject: 'Sale',
        text: 'Body',
        stream: 'promotional',
      },
    });
    expect(accepted.status).toBe(202);
    const mail = (await sink.waitFor(before + 1))[before];
    const result = await verify(mail?.raw as Buffer);
    expect(result.results[0]?.status.result).toBe('pass');
    const signed = /^DKIM-Signature:[\s\S]*?\bh=([^;]+);/im.exec(mail?.raw.toString() ?? '')?.[1] ?? '';
    const names = signed.replace(/\s+/g, '').toLowerCase().split(':');
    expect(names).toEqual(expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post']));
  });

  it('retries after 451 and delivers when the server then answers 250', async () => {
    let calls = 0;
    sink.reply = () => (calls++ === 0 ? { code: 451, message: '4.3.0 Try again later' } : undefined);
    const accepted = await aviso.request('POST', '/v1/messages', {
      body: { to: 'retry@example.com', subject: 'Retry', text: 'x' },
    });
    const message = await aviso.waitForStatus(accepted.body.id, ['sent']);
    const types = message.events.map((e: { type: string }) => e.type);
    expect(types).toEqual(['accepted', 'deferred', 'sent']);
    expect(message.events[1].details).toMatchObject({
      responseCode: 451,
      enhancedStatus: '4.3.0',
      attempt: 1,
    });
    expect(message.events[1].details.response).toContain('Try again later');
    expect(message.attempts).toBe(2);
    expect(sink.received).toHaveLength(1);
  });

  it('bounces at once on 550 at RCPT TO, recording the reply', async () => {
    sink.rcpt = (address) =>
      address === 'nobody@example.com' ? { code: 550, message: '5.1.1 No such user here' } : undefined;
    const accepted = await aviso.request('POST', '/v1/messages', {
      body: { to: 'nobody@example.com', subject: 'Bounce', text: 'x' },
    });
    const message = await aviso.waitForStatus(accepted.body.id, ['bounced']);
    expect(message.events.map((e: { type: string }) => e.type)).toEqual(['accepted', 'bounced']);
    expect(message.events[1].details).toMatchObject({
      bounceType: 'hard',
      responseCode: 550,
      enhancedStatus: '5.1.1',
    });
    expect(message.events[1].details.response).toContain('No such user here');
    expect(message.attempts).toBe(1);
  });

  it('fails at once on a 554 content rejection', async () => {
    sink.reply = () => ({ code: 554, message: '5.7.1 Message rejected as spam' });
    const accepted = await aviso.request('POST', '/v1/messages', {
      body: { to: 'x@example.com', subject: 'Spam?', text: 'x' },
    });
    const message = await aviso.waitForStatus(accepted.body.id, ['failed']);
    expect(message.events[1]).toMatchObject({
      type: 'failed',
      details: { reason: 'rejected', responseCode: 554 },
    });
  });

  it('ends as failed when temporary failures outlast the retry horizon', async () => {
    const short = await startTestAviso({
      AVISO_SMTP_URL: sink.url,
      AVISO_RETRY_BASE_SECONDS: '0.1',
      AVISO_RETRY_MAX_SECONDS: '0.2',
      AVISO_EMAIL_RETRY_HORIZON_SECONDS: '1',
    });
    try {
      sink.reply = () => ({ code: 421, message: '4.7.0 Temporary system problem' });
      const accepted = await short.request('POST', '/v1/messages', {
        body: { to: 'slow@example.com', subject: 'x', text: 'x' },
      });
      const message = await short.waitForStatus(accepted.body.id, ['failed']);
      const types: string[] = message.events.map((e: { type: string }) => e.type);
      expect(types[0]).toBe('accepted');
      expect(types.at(-1)).toBe('failed');
      expect(types.filter((t) => t === 'deferred').length).toBeGreaterThanOrEqual(2);
      expect(message.events.at(-1).details).toMatchObject({
        reason: 'retry_horizon_exceeded',
        responseCode: 421,
      });
    } finally {
      await short.stop();
    }
  });

  it('renders a stored template with its data', async () => {
    const put = await aviso.request('PUT', '/v1/templates/order-shipped', {
      body: {
        name: 'Order shipped',
        locales: {
          es: {
            email: {
              subject: 'Tu pedido {{ order.number }} va en camino',
              html: '<p>Hola {{ name }}</p><ul>{% for item in order.items %}<li>{{ item.title }}</li>{% endfor %}</ul>',
              text: 'Hola {{ name }}',
            },
          },
        },
      },
    });
    expect(put.status).toBe(201);
    expect((await aviso.request('POST', '/v1/templates/order-shipped/publish')).status).toBe(201);
    const accepted = await aviso.request('POST', '/v1/messages', {
      body: {
        to: 'ana@example.com',
        template: 'order-shipped',
        data: { name: 'Ana <3', order: { number: 1042, items: [{ title: 'Taza' }, { title: 'Té' }] } },
      },
    });
    expect(accepted.status).toBe(202);
    const [mail] = await sink.waitFor(1);
    const parsed = await simpleParser(mail?.raw as Buffer);
    expect(parsed.subject).toBe('Tu pedido 1042 va en camino');
    expect(parsed.html).toContain('<p>Hola Ana &lt;3</p><ul><li>Taza</li><li>Té</li></ul>');
    expect(parsed.text?.trim()).toBe('Hola Ana <3');

    const missing = await aviso.request('POST', '/v1/messages', {
      body: { to: 'ana@example.com', template: 'order-shipped', data: { name: 'Ana' } },
    });
    expect(missing.status).toBe(422);
    expect(missing.body.error).toMatchObject({ code: 'template_variable_missing', path: 'data.order' });
  });
});
