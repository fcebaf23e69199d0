// Liveness and readiness for load balancers and orchestrators. No authentication.
// /healthz fails only when restarting the process is the cure (its embedded database stays
// down); /readyz fails whenever the database cannot be reached right now.
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { type Database, isDatabaseReachable } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { answer, errorAnswers } from './schemas.ts';

const health = { tags: ['health'], security: [] };

export async function healthRoutes(
  app: FastifyInstance,
  deps: { db: Kysely<Database>; liveness?: () => string | null },
) {
  app.get(
    '/healthz',
    {
      schema: {
        ...health,
        operationId: 'checkLiveness',
        summary: 'Liveness: the process can serve requests',
        description:
          'Answers without touching the database. 503 only when restarting the process is the cure: its embedded PostgreSQL died and could not be restarted, or has been down longer than AVISO_PG_GRACE_SECONDS.',
        response: {
          200: answer('The process is alive.', z.object({ status: z.literal('ok') })),
          ...errorAnswers({
            503: 'The process cannot serve and should be restarted (its embedded PostgreSQL stays down), or it is shutting down.',
          }),
        },
      },
    },
    async (_request, reply) => {
      const problem = deps.liveness?.() ?? null;
      if (problem === null) return { status: 'ok' };
      const down = new ApiError('service_unavailable', `This process cannot serve: ${problem}.`);
      return reply.code(503).send(down.toBody());
    },
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
      if (await isDatabaseReachable(deps.db)) return { status: 'ok', database: 'reachable' };
      return reply
        .code(503)
        .send({ error: { code: 'service_unavailable', message: 'The database is not reachable.' } });
    },
  );
}
