// The settings of a project that shape delivery feedback (tracking defaults, the soft-bounce
// rule), read and changed for /v1/project. The zod schemas of the view and of the change are
// the API's, declared here so the types the queries use are derived from them.
import type { Kysely, Selectable } from 'kysely';
import { z } from 'zod';
import type { Database, ProjectsTable } from '../db/index.ts';
import { patchOf } from '../schemas/index.ts';

export const projectViewSchema = z
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

export const projectChangeSchema = patchOf(settingsSchema).meta({ id: 'ProjectChange' });

export type ProjectView = z.output<typeof projectViewSchema>;
export type ProjectChange = z.output<typeof projectChangeSchema>;

const view = (p: Selectable<ProjectsTable>): ProjectView => ({
  id: p.id,
  name: p.name,
  defaultLocale: p.default_locale,
  defaultRegion: p.default_region,
  tracking: { opens: p.track_opens, clicks: p.track_clicks },
  softBounces: { limit: p.soft_bounce_limit, days: p.soft_bounce_days },
});

export async function projectView(db: Kysely<Database>, projectId: string): Promise<ProjectView> {
  return view(
    await db.selectFrom('projects').selectAll().where('id', '=', projectId).executeTakeFirstOrThrow(),
  );
}

/** Changes only the fields given, nested ones included; answers the project as changed. */
export async function changeProject(
  db: Kysely<Database>,
  projectId: string,
  change: ProjectChange,
): Promise<ProjectView> {
  const { tracking, softBounces } = change;
  const changes = {
    ...(tracking?.opens !== undefined ? { track_opens: tracking.opens } : {}),
    ...(tracking?.clicks !== undefined ? { track_clicks: tracking.clicks } : {}),
    ...(softBounces?.limit !== undefined ? { soft_bounce_limit: softBounces.limit } : {}),
    ...(softBounces?.days !== undefined ? { soft_bounce_days: softBounces.days } : {}),
  };
  if (Object.keys(changes).length > 0) {
    await db.updateTable('projects').set(changes).where('id', '=', projectId).execute();
  }
  return projectView(db, projectId);
}
