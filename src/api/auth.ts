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

export function registerAuth(
  app: FastifyInstance,
  authenticate: (key: string) => Promise<Authenticated | null>,
) {
  app.decorateRequest('auth', null as unknown as Authenticated);
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new ApiError('unauthorized', 'Missing API key: send "Authorization: Bearer <key>".');
    const auth = await authenticate(match[1] as string);
    if (!auth) throw new ApiError('unauthorized', 'This API key is not valid or has been revoked.');
    request.auth = auth;
  });
}
