// Input that PostgreSQL cannot store, or that the router refuses, is a 4xx in Aviso's envelope
// naming the field, never a 500: NUL and lone surrogates in any string or key, in the body, the
// query or the path; integers past the database's range; over-long and malformed URL parts.
// And a documented filter that used to fail for everyone (events by tag).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';

let aviso: TestAviso;

beforeAll(async () => {
  aviso = await startTestAviso();
});
afterAll(async () => aviso?.stop());

const valid = { to: 'ana@example.com', subject: 'Hi', text: 'Hello' };

function expectEnvelope(res: { status: number; body: { error?: { code?: string; message?: string } } }) {
  expect(res.status).toBeGreaterThanOrEqual(400);
  expect(res.status).toBeLessThan(500);
  expect(typeof res.body.error?.code).toBe('string');
  expect(typeof res.body.error?.message).toBe('string');
}

describe('text that cannot be stored', () => {
  it.each([
    ['text', { ...valid, text: 'a\u0000b' }, 'text'],
    ['subject', { ...valid, subject: '\u0000' }, 'subject'],
    ['html', { ...valid, html: '<p>\u0000</p>' }, 'html'],
    ['a metadata value', { ...valid, metadata: { order: { id: 'x\u0000' } } }, 'metadata.order.id'],
    ['a metadata key', { ...valid, metadata: { 'k\u0000': 1 } }, 'metadata.k\u0000'],
    ['a tag', { ...valid, tags: ['ok', 'b\u0000d'] }, 'tags[1]'],
    ['a lone surrogate', { ...valid, text: 'broken \ud800 pair' }, 'text'],
    ['a lone low surrogate', { ...valid, subject: '\udc00' }, 'subject'],
  ])('refuses %s with 422 invalid_characters and its path', async (_name, body, path) => {
    const res = await aviso.request('POST', '/v1/messages', { body });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_characters', path });
  });

  it('keeps emoji and other well-formed text', async () => {
    const res = await aviso.request('POST', '/v1/messages', {
      body: { ...valid, subject: 'Hola 😀 ñ 中文', metadata: { '😀': 'ok' } },
    });
    expect(res.status).toBe(202);
  });

  it('refuses one bad item of a batch and accepts the others', async () => {
    const res = await aviso.request('POST', '/v1/messages/batch', {
      body: { messages: [valid, { ...valid, text: 'x\u0000' }, valid] },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ accepted: 2, rejected: 1 });
    expect(res.body.data[1].error).toMatchObject({ code: 'invalid_characters', path: 'messages[1].text' });
  });

  it.each([
    ['a suppression note', 'POST', '/v1/suppressions', { address: 'x@example.com', note: 'n\u0000' }, 'note'],
    ['a template name', 'PUT', '/v1/templates/nul', { name: 'a\u0000', locales: {} }, 'name'],
    ['a webhook URL', 'POST', '/v1/webhooks', { url: 'https://example.com/\u0000' }, 'url'],
  ])('refuses NUL in %s', async (_name, method, path, body, field) => {
    const res = await aviso.request(method, path, { body });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_characters', path: field });
  });

  it.each([
    ['/v1/messages/%00', 'id'],
    ['/v1/messages?to=%00', 'to'],
    ['/v1/messages?tag=a%00', 'tag'],
    ['/v1/suppressions?search=%00', 'search'],
    ['/v1/events?to=%00', 'to'],
    ['/v1/templates/%00', 'key'],
    ['/v1/suppressions/a%00%40example.com', 'address'],
  ])('refuses NUL in GET %s', async (url, path) => {
    const res = await aviso.request('GET', url);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_characters', path });
  });
});

describe('numbers and URLs past their limits', () => {
  it.each([
    ['GET', '/v1/templates/order-confirmation/versions/99999999999'],
    ['GET', '/v1/layouts/default/versions/99999999999'],
    ['POST', '/v1/templates/order-confirmation/render', { version: 99999999999 }],
    ['POST', '/v1/messages', { ...valid, template: 'order-confirmation', templateVersion: 99999999999 }],
    ['GET', '/v1/messages?limit=99999999999'],
  ])('answers %s %s with a 4xx, not a 500', async (method, url, body?: object) => {
    const res = await aviso.request(method, url, body ? { body } : {});
    expectEnvelope(res);
  });

  it('answers a path part over 100 characters in our envelope, and one over 1,024 with 414', async () => {
    // Suppression addresses may be long: the router takes 1,024 characters, the schema judges.
    const long = await aviso.request(
      'GET',
      `/v1/suppressions/ana%40${'a'.repeat(60)}.${'b'.repeat(60)}.example.com`,
    );
    expect(long.status).toBe(200);
    const tooLong = await aviso.request('GET', `/v1/messages/msg_${'a'.repeat(2000)}`);
    expect(tooLong.status).toBe(414);
    expect(tooLong.body.error.code).toBe('uri_too_long');
  });

  it('answers a malformed percent-encoding with 400 in our envelope', async () => {
    const res = await aviso.request('GET', '/v1/messages/%zz');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
  });
});

describe('events by tag', () => {
  it('filters events by the tag of their message', async () => {
    const tagged = await aviso.request('POST', '/v1/messages', { body: { ...valid, tags: ['welcome'] } });
    expect(tagged.status).toBe(202);
    await aviso.request('POST', '/v1/messages', { body: { ...valid, tags: ['other'] } });
    const res = await aviso.request('GET', '/v1/events?tag=welcome');
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(new Set(res.body.data.map((e: { messageId: string }) => e.messageId))).toEqual(
      new Set([tagged.body.id]),
    );
    const none = await aviso.request('GET', '/v1/events?tag=nobody');
    expect(none.status).toBe(200);
    expect(none.body.data).toEqual([]);
  });
});

describe('attachments', () => {
  const withAttachment = (attachment: Record<string, unknown>) => ({
    ...valid,
    attachments: [{ filename: 'invoice.pdf', content: 'JVBERi0xLjQK', ...attachment }],
  });

  it.each([
    ['not base64', { content: 'abc!' }],
    ['plain text of three letters, unpadded', { content: 'abc' }],
    ['unpadded base64', { content: 'YWJjZA' }],
    ['one character too many', { content: 'QUJDR' }],
    ['padding in the middle', { content: 'QQ==QUJD' }],
  ])('refuses content that is %s with 422 invalid_base64 at its path', async (_name, attachment) => {
    const res = await aviso.request('POST', '/v1/messages', { body: withAttachment(attachment) });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'invalid_base64', path: 'attachments[0].content' });
  });

  it.each([
    ['four characters', 'YWJj', 'abc'],
    ['padded', 'YWJjZA==', 'abcd'],
    ['padded by one, with a blank in the padding', 'YWJjZGU= ', 'abcde'],
    ['base64url', 'P_8-', '?\u00ff>'],
    ['with line breaks', 'YWJj\r\nZGVm', 'abcdef'],
  ])('accepts %s content and stores the bytes', async (_name, content, decoded) => {
    const res = await aviso.request('POST', '/v1/messages', { body: withAttachment({ content }) });
    expect(res.status).toBe(202);
    const stored = await aviso.database.db
      .selectFrom('message_attachments')
      .select('content')
      .where('message_id', '=', res.body.id)
      .executeTakeFirstOrThrow();
    expect(Buffer.from(stored.content).toString('latin1')).toBe(decoded);
  });

  it.each(['../../etc/passwd', 'C:\\Windows\\win.ini', 'files/report.pdf', 'a\u0007b.pdf', '..', '.'])(
    'refuses the file name %j with 422 invalid_filename',
    async (filename) => {
      const res = await aviso.request('POST', '/v1/messages', { body: withAttachment({ filename }) });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'invalid_filename', path: 'attachments[0].filename' });
    },
  );

  it('keeps ordinary and Unicode file names', async () => {
    for (const filename of ['factura 2026-11.pdf', 'résumé.pdf', '.profile', '请求.pdf']) {
      const res = await aviso.request('POST', '/v1/messages', { body: withAttachment({ filename }) });
      expect(res.status).toBe(202);
    }
  });
});
