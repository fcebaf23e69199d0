// Templates and layouts through the API, on a real database: drafts, syntax errors with line
// and column, publish, immutable versions, rollback, locale fallback, missing data listed in
// full, the variables a template uses, previews, test sends, sending by template.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateCompiles } from '../src/templates/index.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';

let aviso: TestAviso;

beforeAll(async () => {
  aviso = await startTestAviso();
});

afterAll(async () => {
  await aviso?.stop();
});

const layout = {
  name: 'Plain',
  locales: {
    en: {
      email: {
        mjml: '<mjml>\n<mj-body>\n<mj-section><mj-column><mj-text>ACME</mj-text></mj-column></mj-section>\n{{ content }}\n<mj-section><mj-column><mj-text>Bye</mj-text></mj-column></mj-section>\n</mj-body>\n</mjml>',
        text: 'ACME\n\n{{ content }}\n\n-- Bye',
      },
    },
    es: {
      email: {
        mjml: '<mjml>\n<mj-body>\n<mj-section><mj-column><mj-text>ACME</mj-text></mj-column></mj-section>\n{{ content }}\n<mj-section><mj-column><mj-text>Adiós</mj-text></mj-column></mj-section>\n</mj-body>\n</mjml>',
      },
    },
  },
};

const receipt = (subjectEn = 'Order {{ order.number }}') => ({
  name: 'Receipt',
  layout: 'plain',
  locales: {
    en: {
      email: {
        subject: subjectEn,
        preheader: 'Thanks {{ customer.name }}',
        mjml: '<mj-section><mj-column><mj-text>Hi {{ customer.name }}</mj-text>\n<mj-text>{% for item in order.items %}{{ item.name }}: {{ item.price | money: order.currency }}<br/>{% endfor %}</mj-text>\n<mj-text>{% if promo %}Code {{ promo.code }}{% endif %}</mj-text></mj-column></mj-section>',
      },
      sms: { text: 'Order {{ order.number }}: {{ order.total | money: order.currency }}' },
    },
    es: {
      email: {
        subject: 'Pedido {{ order.number }}',
        mjml: '<mj-section><mj-column><mj-text>Hola {{ customer.name }}</mj-text>\n<mj-text>{% for item in order.items %}{{ item.name }}: {{ item.price | money: order.currency }}<br/>{% endfor %}</mj-text></mj-column></mj-section>',
      },
      sms: {
        text: 'Pedido {{ order.number }}: {{ order.total | money: order.currency }}. ¡Gracias, {{ customer.name }}!',
      },
    },
  },
  sampleData: {
    customer: { name: 'Ana' },
    order: { number: 'A-1', currency: 'EUR', total: 1234.5, items: [{ name: 'Mug', price: 12.5 }] },
  },
});

const data = {
  customer: { name: 'Ana <b>' },
  order: {
    number: 'A-7',
    currency: 'EUR',
    total: 99.9,
    items: [
      { name: 'Mug', price: 12.5 },
      { name: 'Tea', price: 3 },
    ],
  },
};

describe('templates and layouts', () => {
  it('saves drafts, publishes versions and sends the latest published one', async () => {
    expect((await aviso.request('PUT', '/v1/layouts/plain', { body: layout })).status).toBe(201);
    const saved = await aviso.request('PUT', '/v1/templates/receipt', { body: receipt() });
    expect(saved.status).toBe(201);
    expect(saved.body).toMatchObject({ key: 'receipt', latestVersion: null, unpublishedChanges: true });

    const notYet = await aviso.request('POST', '/v1/messages', {
      body: { to: 'ana@example.com', template: 'receipt', data },
    });
    expect(notYet.status).toBe(422);
    expect(notYet.body.error.code).toBe('template_not_published');

    const early = await aviso.request('POST', '/v1/templates/receipt/publish');
    expect(early.status).toBe(422);
    expect(early.body.error.code).toBe('layout_not_published');

    expect((await aviso.request('POST', '/v1/layouts/plain/publish')).status).toBe(201);
    const v1 = await aviso.request('POST', '/v1/templates/receipt/publish');
    expect(v1.status).toBe(201);
    expect(v1.body).toMatchObject({ key: 'receipt', version: 1, restoredFrom: null });

    const sent = await aviso.request('POST', '/v1/messages', {
      body: { to: 'ana@example.com', template: 'receipt', data, locale: 'es-MX' },
    });
    expect(sent.status).toBe(202);
    const message = await aviso.request('GET', `/v1/messages/${sent.body.id}`);
    expect(message.body).toMatchObject({
      template: 'receipt',
      templateVersion: 1,
      locale: 'es',
      subject: 'Pedido A-7',
    });
    expect(message.body.events.map((e: { type: string }) => e.type)).toContain('rendered');
    const row = await aviso.database.db
      .selectFrom('messages')
      .select(['html', 'text_body'])
      .where('id', '=', sent.body.id)
      .executeTakeFirstOrThrow();
    expect(row.html).toContain('Hola Ana &lt;b&gt;');
    expect(row.html).toContain('12,50');
    expect(row.html).toContain('Adiós');
    expect(row.html).toMatch(/@media only screen and \(min-width:480px\)/);
    expect(row.text_body).toContain('Hola Ana <b>');
    expect(row.text_body).toContain('Tea: 3,00');
  });

  it('keeps published versions immutable; edits make a draft; rollback publishes an old version again', async () => {
    const edit = await aviso.request('PUT', '/v1/templates/receipt', {
      body: receipt('Your order {{ order.number }}'),
    });
    expect(edit.status).toBe(200);
    expect(edit.body).toMatchObject({ latestVersion: 1, unpublishedChanges: true });

    const stillV1 = await aviso.request('POST', '/v1/messages', {
      body: { to: 'ana@example.com', template: 'receipt', data, locale: 'en' },
    });
    expect((await aviso.request('GET', `/v1/messages/${stillV1.body.id}`)).body.subject).toBe('Order A-7');

    expect((await aviso.request('POST', '/v1/templates/receipt/publish')).body.version).toBe(2);
    const v2 = await aviso.request('POST', '/v1/messages', {
      body: { to: 'ana@example.com', template: 'receipt', data, locale: 'en' },
    });
    expect((await aviso.request('GET', `/v1/messages/${v2.body.id}`)).body).toMatchObject({
      subject: 'Your order A-7',
      templateVersion: 2,
    });

    const pinned = await aviso.request('POST', '/v1/messages', {
      body: { to: 'ana@example.com', template: 'receipt', templateVersion: 1, data, locale: 'en' },
    });
    expect((await aviso.request('GET', `/v1/messages/${pinned.body.id}`)).body.subject).toBe('Order A-7');

    const rollback = await aviso.request('POST', '/v1/templates/receipt/versions/1/publish');
    expect(rollback.status).toBe(201);
    expect(rollback.body).toMatchObject({ version: 3, restoredFrom: 1 });
    const v3 = await aviso.request('POST', '/v1/messages', {
      body: { to: 'ana@example.com', template: 'receipt', data, locale: 'en' },
    });
    expect((await aviso.request('GET', `/v1/messages/${v3.body.id}`)).body).toMatchObject({
      subject: 'Order A-7',
      templateVersion: 3,
    });

    const versions = await aviso.request('GET', '/v1/templates/receipt/versions');
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([3, 2, 1]);
    const one = await aviso.request('GET', '/v1/templates/receipt/versions/1');
    expect(one.body.content.locales.en.email.subject).toBe('Order {{ order.number }}');
    expect((await aviso.request('GET', '/v1/templates/receipt/versions/9')).status).toBe(404);

    // The database itself refuses to change a published version.
    await expect(
      sql`UPDATE template_versions SET content = '{}' WHERE key = 'receipt' AND version = 1`.execute(
        aviso.database.db,
      ),
    ).rejects.toThrow(/immutable/);
  });

  it('reports Liquid and MJML errors with line and column, every one of them', async () => {
    const res = await aviso.request('PUT', '/v1/templates/broken', {
      body: {
        name: 'Broken',
        layout: null,
        locales: {
          en: {
            email: {
              subject: 'Hi {{ name',
              mjml: '<mjml>\n<mj-body>\n  <mj-section><mj-column>\n    <mj-text colour="red">x</mj-text>\n  </mj-column></mj-section>\n</mj-body>\n</mjml>',
            },
            sms: { text: 'ok\n{% if x %}never closed' },
          },
        },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('template_invalid');
    const details = res.body.error.details;
    expect(details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'locales.en.email.subject', line: 1, column: 4 }),
        expect.objectContaining({ path: 'locales.en.email.mjml', line: 4, column: 5 }),
        expect.objectContaining({ path: 'locales.en.sms.text', line: 2 }),
      ]),
    );
    expect(details.find((d: { path: string }) => d.path === 'locales.en.email.mjml').message).toMatch(
      /colour/,
    );

    const include = await aviso.request('PUT', '/v1/templates/sneaky', {
      body: { name: 'S', locales: { en: { email: { subject: 'x', text: "{% include '/etc/passwd' %}" } } } },
    });
    expect(include.status).toBe(422);
    expect(include.body.error.message).toMatch(/not available/);
  });

  it('lists every missing variable with its path, loops included', async () => {
    const res = await aviso.request('POST', '/v1/messages', {
      body: {
        to: 'ana@example.com',
        template: 'receipt',
        locale: 'en',
        data: { order: { number: 1, currency: 'EUR', items: [{ name: 'a', price: 1 }, { name: 'b' }] } },
      },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('template_variable_missing');
    const paths = res.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['data.customer', 'data.order.items[].price']));
    expect(paths).not.toContain('data.promo');

    const batch = await aviso.request('POST', '/v1/messages/batch', {
      body: {
        messages: [
          { to: 'a@example.com', template: 'receipt', data },
          { to: 'b@example.com', template: 'receipt', data: { order: data.order } },
        ],
      },
    });
    expect(batch.body.accepted).toBe(1);
    expect(batch.body.data[1].error).toMatchObject({
      code: 'template_variable_missing',
      path: 'messages[1].data.customer',
    });
  });

  it('describes the data a template uses', async () => {
    const res = await aviso.request('GET', '/v1/templates/receipt');
    expect(res.status).toBe(200);
    const paths = Object.fromEntries(
      res.body.variables.paths.map((p: { path: string; required: boolean }) => [p.path, p.required]),
    );
    expect(paths).toMatchObject({
      'customer.name': true,
      'order.items': true,
      'order.items[].name': true,
      'order.items[].price': true,
      'order.currency': true,
      promo: false,
      'promo.code': false,
    });
    expect(res.body.variables.schema).toMatchObject({
      type: 'object',
      properties: {
        order: { type: 'object', properties: { items: { type: 'array', items: { type: 'object' } } } },
      },
    });
    expect(res.body.variables.schema.required).toEqual(expect.arrayContaining(['customer', 'order']));
    expect(res.body.sampleData.customer.name).toBe('Ana');
  });

  it('previews every channel with SMS encoding and segments, from sample data by default', async () => {
    const en = await aviso.request('POST', '/v1/templates/receipt/render', { body: {} });
    expect(en.status).toBe(200);
    expect(en.body).toMatchObject({ version: 'draft', locale: 'en' });
    expect(en.body.sms).toMatchObject({ text: 'Order A-1: €1,234.50', encoding: 'GSM-7', segments: 1 });
    expect(en.body.email.subject).toBe('Your order A-1');
    expect(en.body.email.html).toContain('Thanks Ana');

    const es = await aviso.request('POST', '/v1/templates/receipt/render', {
      body: { locale: 'es-AR', version: 1, data },
    });
    expect(es.body).toMatchObject({ version: 1, locale: 'es' });
    expect(es.body.sms.encoding).toBe('UCS-2');
    expect(es.body.sms.text).toContain('¡Gracias, Ana <b>!');

    const fallback = await aviso.request('POST', '/v1/templates/receipt/render', {
      body: { locale: 'fr-FR' },
    });
    expect(fallback.body.locale).toBe('en');
  });

  it('sends a test of the draft to an address, and its SMS to a phone number', async () => {
    const res = await aviso.request('POST', '/v1/templates/receipt/test', { body: { to: 'qa@example.com' } });
    expect(res.status).toBe(202);
    const message = await aviso.request('GET', `/v1/messages/${res.body.id}`);
    expect(message.body.subject).toBe('[Test] Your order A-1');
    expect(message.body.tags).toEqual(['test']);
    const phone = await aviso.request('POST', '/v1/templates/receipt/test', {
      body: { to: '+34 600 000 000' },
    });
    expect(phone.status).toBe(202);
    expect(phone.body).toMatchObject({ channel: 'sms', to: '+34600000000', sms: { segments: 1 } });
    const sms = await aviso.request('GET', `/v1/messages/${phone.body.id}`);
    expect(sms.body).toMatchObject({ channel: 'sms', to: { phone: '+34600000000' }, tags: ['test'] });
    const bad = await aviso.request('POST', '/v1/templates/receipt/test', { body: { to: '600' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'invalid_phone_number', path: 'to' });
  });

  it('compiles a published version once per template thread, however many sends use it', async () => {
    const before = templateCompiles();
    for (const round of [20, 30]) {
      const sends = await Promise.all(
        Array.from({ length: round }, (_, i) =>
          aviso.request('POST', '/v1/messages', {
            body: { to: `r${i}@example.com`, template: 'receipt', data, locale: i % 2 ? 'en' : 'es' },
          }),
        ),
      );
      expect(sends.every((s) => s.status === 202)).toBe(true);
    }
    // Version 3 in en and es: 50 sends, at most one compile per locale in each thread.
    expect(templateCompiles() - before).toBeLessThanOrEqual(2 * aviso.config.templateThreads);
  });

  it('keeps layouts that templates use; deletes templates with their versions', async () => {
    const inUse = await aviso.request('DELETE', '/v1/layouts/plain');
    expect(inUse.status).toBe(409);
    expect(inUse.body.error.code).toBe('layout_in_use');
    expect((await aviso.request('DELETE', '/v1/templates/receipt')).status).toBe(204);
    expect((await aviso.request('GET', '/v1/templates/receipt')).status).toBe(404);
    expect((await aviso.request('DELETE', '/v1/layouts/plain')).status).toBe(204);

    // A key created again starts at version 1 with new content: caches must not mix them up.
    const fresh = {
      name: 'Receipt again',
      locales: { en: { email: { subject: 'Fresh {{ order.number }}', html: '<p>{{ order.number }}</p>' } } },
    };
    expect((await aviso.request('PUT', '/v1/templates/receipt', { body: fresh })).status).toBe(201);
    expect((await aviso.request('POST', '/v1/templates/receipt/publish')).body.version).toBe(1);
    const sent = await aviso.request('POST', '/v1/messages', {
      body: { to: 'ana@example.com', template: 'receipt', data },
    });
    expect((await aviso.request('GET', `/v1/messages/${sent.body.id}`)).body).toMatchObject({
      subject: 'Fresh A-7',
      templateVersion: 1,
    });
  });

  it('sends the starter invoice with its PDF attached, rendered in the recipient language', async () => {
    const invoice = await aviso.request('GET', '/v1/templates/invoice');
    const pdf = Buffer.from('%PDF-1.4\n% Aviso test invoice\n%%EOF\n').toString('base64');
    const sent = await aviso.request('POST', '/v1/messages', {
      body: {
        to: 'maria@example.com',
        template: 'invoice',
        locale: 'es-ES',
        timezone: 'Europe/Madrid',
        data: invoice.body.sampleData,
        attachments: [{ filename: 'factura-0042.pdf', content: pdf }],
      },
    });
    expect(sent.status).toBe(202);
    await aviso.waitForStatus(sent.body.id, ['sent']);
    const raw = await aviso.request('GET', `/v1/messages/${sent.body.id}/raw`);
    expect(raw.body).toContain('Content-Type: application/pdf; name=factura-0042.pdf');
    const message = await aviso.request('GET', `/v1/messages/${sent.body.id}`);
    expect(message.body).toMatchObject({ locale: 'es', templateVersion: 1 });
    expect(message.body.subject).toContain(invoice.body.sampleData.invoice.number);
  });

  it.each([
    [
      'a locale written wrong',
      'PUT',
      '/v1/templates/x',
      { name: 'X', locales: { EN: { sms: { text: 'hi' } } } },
      'invalid_format',
      'locales.EN',
    ],
    ['no locale at all', 'PUT', '/v1/templates/x', { name: 'X', locales: {} }, 'content_missing', 'locales'],
    [
      'a locale without content',
      'PUT',
      '/v1/templates/x',
      { name: 'X', locales: { en: {} } },
      'content_missing',
      'locales.en',
    ],
    [
      'mjml and html together',
      'PUT',
      '/v1/templates/x',
      { name: 'X', locales: { en: { email: { subject: 's', mjml: '<mjml></mjml>', html: '<p/>' } } } },
      'conflicting_fields',
      'locales.en.email.html',
    ],
    [
      'an email without a subject',
      'PUT',
      '/v1/templates/x',
      { name: 'X', locales: { en: { email: { text: 't' } } } },
      'field_required',
      'locales.en.email.subject',
    ],
    [
      'an unknown layout',
      'PUT',
      '/v1/templates/x',
      { name: 'X', layout: 'nope', locales: { en: { sms: { text: 'hi' } } } },
      'layout_not_found',
      'layout',
    ],
    [
      'a bad WhatsApp language',
      'PUT',
      '/v1/templates/x',
      { name: 'X', locales: { en: { whatsapp: { template: 'a', language: 'English' } } } },
      'invalid_format',
      'locales.en.whatsapp.language',
    ],
    [
      'a layout without {{ content }}',
      'PUT',
      '/v1/layouts/y',
      { name: 'Y', locales: { en: { email: { html: '<p>x</p>' } } } },
      'template_invalid',
      'locales.en.email.html',
    ],
    [
      'an unknown field',
      'PUT',
      '/v1/templates/x',
      { name: 'X', locales: { en: { sms: { text: 'hi' } } }, colour: 'red' },
      'unknown_field',
      'colour',
    ],
    [
      'a key with capitals',
      'PUT',
      '/v1/templates/Order',
      { name: 'X', locales: { en: { sms: { text: 'hi' } } } },
      'invalid_format',
      'key',
    ],
    [
      'data that is not an object',
      'POST',
      '/v1/templates/two-factor-code/render',
      { data: 'code=1' },
      'invalid_type',
      'data',
    ],
    [
      'a timezone that does not exist',
      'POST',
      '/v1/templates/two-factor-code/render',
      { timezone: 'Mars/Olympus' },
      'invalid_timezone',
      'timezone',
    ],
    [
      'a channel that does not exist',
      'POST',
      '/v1/templates/two-factor-code/render',
      { channels: ['fax'] },
      'invalid_value',
      'channels[0]',
    ],
    [
      'a version that does not exist',
      'POST',
      '/v1/templates/two-factor-code/render',
      { version: 42 },
      'version_not_found',
      'version',
    ],
    [
      'a template version on a plain message',
      'POST',
      '/v1/messages',
      { to: 'a@example.com', subject: 's', text: 't', templateVersion: 2 },
      'conflicting_fields',
      'templateVersion',
    ],
    [
      'a template version that does not exist',
      'POST',
      '/v1/messages',
      { to: 'a@example.com', template: 'two-factor-code', templateVersion: 99, data: {} },
      'version_not_found',
      'templateVersion',
    ],
  ])('refuses %s with a clear error', async (_, method, path, body, code, at) => {
    const res = await aviso.request(method, path, { body });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.body.error).toMatchObject({ code, path: at });
  });

  it('keeps promotional templates off the transactional stream', async () => {
    await aviso.request('PUT', '/v1/templates/promo', {
      body: {
        name: 'Promo',
        category: 'promotional',
        locales: { en: { email: { subject: 'Sale', text: 'Sale!' } } },
      },
    });
    await aviso.request('POST', '/v1/templates/promo/publish');
    const refused = await aviso.request('POST', '/v1/messages', {
      body: { to: 'a@example.com', template: 'promo', stream: 'transactional' },
    });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'conflicting_fields', path: 'stream' });
    const sent = await aviso.request('POST', '/v1/messages', {
      body: { to: 'a@example.com', template: 'promo' },
    });
    expect((await aviso.request('GET', `/v1/messages/${sent.body.id}`)).body.stream).toBe('promotional');
  });

  it('keeps projects apart', async () => {
    const other = await aviso.otherProjectKey();
    const res = await aviso.request('GET', '/v1/layouts', { key: other });
    expect(res.body.data.map((l: { key: string }) => l.key)).not.toContain('plain');
    const create = await aviso.request('POST', '/v1/templates', {
      key: other,
      body: { key: 'mine', name: 'Mine', locales: { en: { sms: { text: 'hi' } } } },
    });
    expect(create.status).toBe(201);
    const twice = await aviso.request('POST', '/v1/templates', {
      key: other,
      body: { key: 'mine', name: 'Mine', locales: { en: { sms: { text: 'hi' } } } },
    });
    expect(twice.status).toBe(409);
    expect((await aviso.request('GET', '/v1/templates/mine')).status).toBe(404);
  });
});
