// Bad input never gets a 500 or a stack trace: each case answers JSON with a stable code,
// the right status and the field path.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../src/api/app.ts';
import { connect } from '../src/db/database.ts';
import { createLogger } from '../src/log.ts';
import { revokeApiKey } from '../src/projects/api-keys.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';

let aviso: TestAviso;

beforeAll(async () => {
  // Small limits so the size checks are cheap to reach.
  aviso = await startTestAviso({ AVISO_MAX_ATTACHMENT_BYTES: '1000', AVISO_MAX_BATCH_BYTES: '20000' });
});

afterAll(async () => {
  await aviso?.stop();
});

const valid = { to: 'ana@example.com', subject: 'Hi', text: 'Hello' };
const b64 = (n: number) => Buffer.alloc(n, 7).toString('base64');

describe('authentication', () => {
  it.each([
    ['no header', null, undefined],
    ['a wrong key', 'avk_0000000000000000000000000000000000000000000', undefined],
    ['a malformed key', 'not-a-key', undefined],
    ['another scheme', null, { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
  ])('answers 401 to %s', async (_name, key, headers) => {
    const res = await aviso.request('POST', '/v1/messages', { body: valid, key, headers });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });

  it('refuses a revoked key', async () => {
    const key = await aviso.otherProjectKey();
    expect((await aviso.request('GET', '/v1/messages', { key })).status).toBe(200);
    const prefix = key.slice(0, 10);
    await revokeApiKey(aviso.database.db, prefix);
    // Keys are cached for a few seconds in the API; a fresh lookup sees the revocation.
    await new Promise((r) => setTimeout(r, 5_100));
    expect((await aviso.request('GET', '/v1/messages', { key })).status).toBe(401);
  });
});

describe('request bodies', () => {
  it.each([
    ['malformed JSON', '{"to": "ana@example.com",', 400, 'invalid_json'],
    ['an empty body', '', 400, 'invalid_json'],
    ['a JSON array', '[]', 422, 'invalid_type'],
    ['prototype poisoning', '{"to":"a@b.co","__proto__":{"x":1}}', 400, 'invalid_json'],
  ])('refuses %s', async (_name, raw, status, code) => {
    const res = await aviso.request('POST', '/v1/messages', { raw });
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(code);
    expect(JSON.stringify(res.body)).not.toMatch(/at .*\.ts:\d+/);
  });

  it('refuses a body that is not JSON (415)', async () => {
    const res = await aviso.request('POST', '/v1/messages', {
      raw: 'to=ana',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('unsupported_media_type');
  });

  it('refuses an oversize body (413)', async () => {
    const res = await aviso.request('POST', '/v1/messages/batch', {
      body: { messages: Array.from({ length: 100 }, () => ({ ...valid, text: 'x'.repeat(300) })) },
    });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });
});

describe('message fields', () => {
  it.each([
    ['a missing recipient', { subject: 'Hi', text: 'x' }, 'field_required', 'to'],
    ['a wrong type', { ...valid, to: 42 }, 'invalid_type', 'to'],
    ['an invalid address', { ...valid, to: 'ana@' }, 'invalid_address', 'to'],
    [
      'an invalid address object',
      { ...valid, to: { email: 'ana at example.com' } },
      'invalid_address',
      'to.email',
    ],
    ['an unknown field', { ...valid, cc: 'x@example.com' }, 'unknown_field', 'cc'],
    [
      'an unknown field in to',
      { ...valid, to: { email: 'a@example.com', nmae: 'A' } },
      'unknown_field',
      'to.nmae',
    ],
    [
      'CR/LF in the subject',
      { ...valid, subject: 'Hi\r\nBcc: all@example.com' },
      'header_injection',
      'subject',
    ],
    [
      'CR/LF in a name',
      { ...valid, to: { email: 'a@example.com', name: 'A\nBcc: x' } },
      'header_injection',
      'to.name',
    ],
    [
      'CR/LF in a header value',
      { ...valid, headers: { 'X-Ref': 'a\r\nBcc: x@example.com' } },
      'header_injection',
      'headers.X-Ref',
    ],
    [
      'a reserved header',
      { ...valid, headers: { Bcc: 'x@example.com' } },
      'header_not_allowed',
      'headers.Bcc',
    ],
    ['a bad header name', { ...valid, headers: { 'X Bad': '1' } }, 'invalid_header_name', 'headers.X Bad'],
    ['no content', { to: 'ana@example.com', subject: 'Hi' }, 'content_missing', 'html'],
    ['no subject', { to: 'ana@example.com', text: 'x' }, 'field_required', 'subject'],
    [
      'a template with a subject',
      { to: 'a@example.com', template: 't', subject: 'x' },
      'conflicting_fields',
      'subject',
    ],
    ['an unknown stream', { ...valid, stream: 'bulk' }, 'invalid_value', 'stream'],
    ['a bad priority', { ...valid, priority: 'urgent' }, 'invalid_value', 'priority'],
    ['a bad sendAt', { ...valid, sendAt: '2026-13-45' }, 'invalid_format', 'sendAt'],
    ['a long tag', { ...valid, tags: ['x'.repeat(65)] }, 'value_too_long', 'tags[0]'],
    [
      'bad base64',
      { ...valid, attachments: [{ filename: 'a.pdf', content: '!!!' }] },
      'invalid_base64',
      'attachments[0].content',
    ],
    [
      'a missing filename',
      { ...valid, attachments: [{ content: b64(3) }] },
      'field_required',
      'attachments[0].filename',
    ],
    [
      'a bad content type',
      { ...valid, attachments: [{ filename: 'a', content: b64(3), contentType: 'pdf' }] },
      'invalid_format',
      'attachments[0].contentType',
    ],
    ['an unknown template', { to: 'a@example.com', template: 'nope' }, 'template_not_found', 'template'],
  ])('refuses %s', async (_name, body, code, path) => {
    const res = await aviso.request('POST', '/v1/messages', { body });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code, path });
    expect(res.body.error.message).toEqual(expect.any(String));
  });

  it('refuses attachments over the limit (413) and accepts them at the limit', async () => {
    const over = await aviso.request('POST', '/v1/messages', {
      body: {
        ...valid,
        attachments: [
          { filename: 'a.bin', content: b64(600) },
          { filename: 'b.bin', content: b64(401) },
        ],
      },
    });
    expect(over.status).toBe(413);
    expect(over.body.error).toMatchObject({ code: 'attachments_too_large', path: 'attachments' });
    expect(over.body.error.message).toContain('1001');
    const at = await aviso.request('POST', '/v1/messages', {
      body: {
        ...valid,
        attachments: [
          { filename: 'a.bin', content: b64(600) },
          { filename: 'b.bin', content: b64(400) },
        ],
      },
    });
    expect(at.status).toBe(202);
  });

  it('lists every problem in details', async () => {
    const res = await aviso.request('POST', '/v1/messages', {
      body: { to: 'bad', subject: 'x\ny', text: 'x', extra: true },
    });
    expect(res.status).toBe(422);
    const codes = res.body.error.details.map((d: { code: string }) => d.code).sort();
    expect(codes).toEqual(['header_injection', 'invalid_address', 'unknown_field']);
  });

  it('refuses a send without any sender when no default is configured', async () => {
    const bare = await startTestAviso({ AVISO_FROM: '' });
    try {
      const res = await bare.request('POST', '/v1/messages', { body: valid });
      expect(res.status).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'from_required', path: 'from' });
    } finally {
      await bare.stop();
    }
  });
});

describe('an unreachable database', () => {
  it('answers 503 with Retry-After, not 500', async () => {
    const { db } = connect('postgres://aviso:x@127.0.0.1:1/aviso', { poolSize: 1 });
    const app = await buildApi({
      db,
      secrets: aviso.services.aviso.secrets,
      config: aviso.config,
      log: createLogger('silent'),
      notify: () => {},
      publicUrl: () => 'http://127.0.0.1',
    });
    try {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/messages',
        headers: { authorization: `Bearer ${aviso.key}` },
        payload: valid,
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('service_unavailable');
      expect(res.headers['retry-after']).toBe('5');
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    } finally {
      await app.close();
      await db.destroy();
    }
  });
});

describe('unknown things', () => {
  it('answers 404 with a code for unknown routes and messages', async () => {
    const route = await aviso.request('GET', '/v2/nothing');
    expect(route.status).toBe(404);
    expect(route.body.error.code).toBe('route_not_found');
    const message = await aviso.request('GET', '/v1/messages/msg_00000000000000000000000000');
    expect(message.status).toBe(404);
    expect(message.body.error).toMatchObject({ code: 'not_found', path: 'id' });
    const garbage = await aviso.request('DELETE', '/v1/messages/not-an-id');
    expect(garbage.status).toBe(404);
  });

  it('refuses a template that does not parse, with the part at fault', async () => {
    const res = await aviso.request('PUT', '/v1/templates/broken', {
      body: { name: 'Broken', locales: { en: { email: { subject: 'Hi {{ name', text: 'x' } } } },
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'template_invalid',
      path: 'locales.en.email.subject',
      line: 1,
      column: 4,
    });
  });
});
