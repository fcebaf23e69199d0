// What a client hears about a bad Authorization header: each mistake (no header, the key
// without its scheme, another scheme, a scheme without a key) gets its own sentence, with the
// `unauthorized` code and Aviso's error JSON, on the real API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';

let aviso: TestAviso;

beforeAll(async () => {
  aviso = await startTestAviso({}, { api: true, worker: false });
});

afterAll(async () => {
  await aviso?.stop();
});

describe('the Authorization header', () => {
  it.each([
    ['no header', undefined, /^Missing API key/],
    ['the key without "Bearer "', 'KEY', /has no scheme/],
    ['the Basic scheme', 'Basic YTpi', /scheme "Basic" is not accepted/],
    ['a scheme that looks like a secret', 'x!secret KEY', /scheme is not accepted/],
    ['"Bearer" without a key', 'Bearer', /Bearer scheme but no key/],
    ['two keys', 'Bearer KEY KEY', /more than one key/],
  ])('names what is wrong when it carries %s', async (_name, header, message) => {
    const headers = header === undefined ? undefined : { authorization: header.replaceAll('KEY', aviso.key) };
    const res = await aviso.request('GET', '/v1/messages', { key: null, headers });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
    expect(res.body.error.message).toMatch(message);
    expect(res.body.error.message).toContain('Authorization: Bearer <key>');
    expect(res.body.error.message).not.toContain('secret');
    expect(res.body.error.message).not.toContain(aviso.key);
  });

  it('accepts the scheme in any case, as RFC 9110 says schemes are', async () => {
    const res = await aviso.request('GET', '/v1/messages', {
      key: null,
      headers: { authorization: `bearer ${aviso.key}` },
    });
    expect(res.status).toBe(200);
  });
});
