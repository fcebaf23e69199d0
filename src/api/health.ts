// Liveness and readiness for load balancers and orchestrators. No authentication.
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { answer, errorAnswers } from './schemas.ts';

const health = { tags: ['health'], security: [] };

export async function healthRoutes(app: FastifyInstance, deps: { db: Kysely<Database> }) {
  app.get(
    '/healthz',
    {
      schema: {
        ...health,
        operationId: 'checkLiveness',
        summary: 'Liveness: the process serves requests',
        description: 'Answers without touching the database: a failing check means the process must restart.',
        response: { 200: answer('The process is alive.', z.object({ status: z.literal('ok') })) },
      },
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        ...health,
        operationId: 'checkReadiness',
        summary: 'Readiness: the database is reachable',
        description: 'Send traffic to this instance only while it answers 200.',
        response: {
          200: answer('Ready.', z.object({ status: z.literal('ok'), database: z.literal('reachable') })),
          ...errorAnswers({ 503: 'The database is not reachable: do not send traffic here.' }),
        },
      },
    },
    async (_request, reply) => {
      try {
        await sql`SELECT 1`.execute(deps.db);
        return { status: 'ok', database: 'reachable' };
      } catch {
        return reply
          .code(503)
          .send({ error: { code: 'service_unavailable', message: 'The database is not reachable.' } });
      }
    },
  );
}
