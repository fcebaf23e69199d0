// Bearer API keys. Every /v1 route runs behind this hook; the request then carries the
// project it may see, and every query it makes is scoped by that project.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from '../errors/index.ts';
import type { Authenticated } from '../projects/index.ts';

declare module 'fastify' {
  interface FastifyRequest {
    auth: Authenticated;
  }
}

const expected = 'send "Authorization: Bearer <key>"';

/**
 * The key in an Authorization header (RFC 6750 §2.1: `Bearer <token>`), or a sentence saying
 * what is wrong with the header, so a client that forgot the scheme learns that, not that its
 * key is missing.
 */
function bearerKey(header: string | undefined): { key: string } | { problem: string } {
  const parts = header?.trim().split(/\s+/).filter(Boolean) ?? [];
  const [first, second] = parts;
  if (first === undefined) return { problem: `Missing API key: ${expected}.` };
  if (parts.length === 1) {
    return /^bearer$/i.test(first)
      ? { problem: `The Authorization header has the Bearer scheme but no key: ${expected}.` }
      : { problem: `The Authorization header has no scheme, only a value: ${expected}.` };
  }
  if (!/^bearer$/i.test(first)) {
    // Name the scheme only when it looks like one: never echo what may be a secret.
    const scheme = /^[A-Za-z][A-Za-z0-9-]{0,19}$/.test(first) ? `"${first}" ` : '';
    return { problem: `The Authorization scheme ${scheme}is not accepted: ${expected}.` };
  }
  if (parts.length > 2) return { problem: `The Authorization header holds more than one key: ${expected}.` };
  return { key: second as string };
}

export function registerAuth(
  app: FastifyInstance,
  authenticate: (key: string) => Promise<Authenticated | null>,
) {
  app.decorateRequest('auth', null as unknown as Authenticated);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const read = bearerKey(request.headers.authorization);
    if ('problem' in read) throw new ApiError('unauthorized', read.problem);
    const auth = await authenticate(read.key);
    if (!auth) throw new ApiError('unauthorized', 'This API key is not valid or has been revoked.');
    request.auth = auth;
  });
}
