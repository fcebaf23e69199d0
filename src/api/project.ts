// /v1/project: the settings of the project the API key belongs to that shape delivery
// feedback: tracking defaults and the soft-bounce rule.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { changeProject, projectChangeSchema, projectView, projectViewSchema } from '../projects/index.ts';
import { answer } from './schemas.ts';

export async function projectRoutes(app: FastifyInstance, deps: { db: Kysely<Database> }) {
  const { db } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/v1/project',
    {
      schema: {
        operationId: 'getProject',
        summary: 'The project of this API key',
        description: 'Its name, default locale and region, tracking defaults and soft-bounce rule.',
        tags: ['project'],
        response: { 200: answer('The project.', projectViewSchema) },
      },
    },
    async (request) => projectView(db, request.auth.projectId),
  );

  r.patch(
    '/v1/project',
    {
      schema: {
        operationId: 'updateProject',
        summary: 'Change tracking defaults and the soft-bounce rule',
        description: 'Changes only the fields given, nested ones included: the others keep their values.',
        tags: ['project'],
        body: projectChangeSchema,
        response: { 200: answer('The project as changed.', projectViewSchema) },
      },
    },
    async (request) => changeProject(db, request.auth.projectId, request.body),
  );
}
