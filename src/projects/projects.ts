// Projects: the unit every row belongs to. A default project exists from the first start,
// so a new install can send at once.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { newId } from '../ids/index.ts';

export interface Project {
  id: string;
  name: string;
  isDefault: boolean;
}

export const defaultProjectName = 'default';

export async function ensureDefaultProject(db: Kysely<Database>): Promise<Project> {
  await db
    .insertInto('projects')
    .values({ id: newId('proj'), name: defaultProjectName, is_default: true })
    .onConflict((oc) => oc.doNothing())
    .execute();
  const row = await db
    .selectFrom('projects')
    .selectAll()
    .where('is_default', '=', true)
    .executeTakeFirstOrThrow();
  return toProject(row);
}

export async function createProject(db: Kysely<Database>, name: string): Promise<Project> {
  const row = await db
    .insertInto('projects')
    .values({ id: newId('proj'), name, is_default: false })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toProject(row);
}

/** Finds a project by id or name; undefined means the default project. */
export async function findProject(db: Kysely<Database>, idOrName?: string): Promise<Project | undefined> {
  if (idOrName === undefined) return ensureDefaultProject(db);
  const row = await db
    .selectFrom('projects')
    .selectAll()
    .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
    .executeTakeFirst();
  return row && toProject(row);
}

export async function listProjects(db: Kysely<Database>): Promise<Project[]> {
  const rows = await db.selectFrom('projects').selectAll().orderBy('created_at').execute();
  return rows.map(toProject);
}

function toProject(row: { id: string; name: string; is_default: boolean }): Project {
  return { id: row.id, name: row.name, isDefault: row.is_default };
}
