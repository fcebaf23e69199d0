// Liveness and readiness for load balancers and orchestrators. No authentication.
import type { FastifyInstance } from 'fastify';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/index.ts';

export async function healthRoutes(app: FastifyInstance, deps: { db: Kysely<Database> }) {
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await sql`SELECT 1`.execute(deps.db);
      return { status: 'ok', database: 'reachable' };
    } catch {
      return reply
        .code(503)
        .send({ error: { code: 'service_unavailable', message: 'The database is not reachable.' } });
    }
  });
}
