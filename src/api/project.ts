// /v1/project: the settings of the project the API key belongs to that shape delivery
// feedback: tracking defaults and the soft-bounce rule.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database, ProjectsTable } from '../db/index.ts';
import { patchOf } from '../schemas/index.ts';
import { answer } from './schemas.ts';

const projectSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    defaultLocale: z.string(),
    defaultRegion: z.string().nullable(),
    tracking: z
      .object({ opens: z.boolean(), clicks: z.boolean() })
      .meta({ description: 'For email whose template and request do not choose. Off unless turned on.' }),
    softBounces: z.object({ limit: z.number().int(), days: z.number().int() }).meta({
      description:
        'A recipient is suppressed after `limit` soft bounces within `days` days (limit 0: never).',
    }),
  })
  .meta({ id: 'Project' });

/** The settings a project's key holder may change; the PATCH body is derived from it. */
const settingsSchema = z.strictObject({
  tracking: z.strictObject({ opens: z.boolean(), clicks: z.boolean() }),
  softBounces: z.strictObject({
    limit: z.number().int().min(0).max(100),
    days: z.number().int().min(1).max(365),
  }),
});

const patchSchema = patchOf(settingsSchema).meta({ id: 'ProjectChange' });

const view = (p: Selectable<ProjectsTable>) => ({
  id: p.id,
  name: p.name,
  defaultLocale: p.default_locale,
  defaultRegion: p.default_region,
  tracking: { opens: p.track_opens, clicks: p.track_clicks },
  softBounces: { limit: p.soft_bounce_limit, days: p.soft_bounce_days },
});

export async function projectRoutes(app: FastifyInstance, deps: { db: Kysely<Database> }) {
  const { db } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const find = (id: string) =>
    db.selectFrom('projects').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  r.get(
    '/v1/project',
    {
      schema: {
        operationId: 'getProject',
        summary: 'The project of this API key',
        description: 'Its name, default locale and region, tracking defaults and soft-bounce rule.',
        tags: ['project'],
        response: { 200: answer('The project.', projectSchema) },
      },
    },
    async (request) => view(await find(request.auth.projectId)),
  );

  r.patch(
    '/v1/project',
    {
      schema: {
        operationId: 'updateProject',
        summary: 'Change tracking defaults and the soft-bounce rule',
        description: 'Changes only the fields given, nested ones included: the others keep their values.',
        tags: ['project'],
        body: patchSchema,
        response: { 200: answer('The project as changed.', projectSchema) },
      },
    },
    async (request) => {
      const { tracking, softBounces } = request.body;
      const changes = {
        ...(tracking?.opens !== undefined ? { track_opens: tracking.opens } : {}),
        ...(tracking?.clicks !== undefined ? { track_clicks: tracking.clicks } : {}),
        ...(softBounces?.limit !== undefined ? { soft_bounce_limit: softBounces.limit } : {}),
        ...(softBounces?.days !== undefined ? { soft_bounce_days: softBounces.days } : {}),
      };
      if (Object.keys(changes).length > 0) {
        await db.updateTable('projects').set(changes).where('id', '=', request.auth.projectId).execute();
      }
      return view(await find(request.auth.projectId));
    },
  );
}
