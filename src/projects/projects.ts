// Projects: the unit every row belongs to. A default project exists from the first start,
// so a new install can send at once.
import type { Kysely } from 'kysely';
import { isPhoneRegion } from '../channels/sms/index.ts';
import type { Database } from '../db/index.ts';
import { newId } from '../ids/index.ts';
import { installStarters } from '../templates/index.ts';

export interface Project {
  id: string;
  name: string;
  isDefault: boolean;
  defaultLocale: string;
  /** ISO country for phone numbers written without a country code; null: E.164 only. */
  defaultRegion: string | null;
}

const defaultProjectName = 'default';

/** The default project; created (with the starter templates) on first use. */
export async function ensureDefaultProject(db: Kysely<Database>): Promise<Project> {
  const created = await db
    .insertInto('projects')
    .values({ id: newId('proj'), name: defaultProjectName, is_default: true })
    .onConflict((oc) => oc.doNothing())
    .returning('id')
    .executeTakeFirst();
  if (created) await installStarters(db, created.id);
  const row = await db
    .selectFrom('projects')
    .selectAll()
    .where('is_default', '=', true)
    .executeTakeFirstOrThrow();
  return toProject(row);
}

/** A new project, with the starter templates installed and published. */
export async function createProject(
  db: Kysely<Database>,
  name: string,
  options: { defaultLocale?: string; defaultRegion?: string } = {},
): Promise<Project> {
  // es-MX says Mexico: national phone numbers are read as Mexican unless told otherwise.
  const region = options.defaultRegion ?? options.defaultLocale?.split('-')[1]?.toUpperCase();
  const row = await db
    .insertInto('projects')
    .values({
      id: newId('proj'),
      name,
      is_default: false,
      ...(options.defaultLocale ? { default_locale: options.defaultLocale } : {}),
      default_region: region && isPhoneRegion(region) ? region : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await installStarters(db, row.id);
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

function toProject(row: {
  id: string;
  name: string;
  is_default: boolean;
  default_locale: string;
  default_region: string | null;
}): Project {
  return {
    id: row.id,
    name: row.name,
    isDefault: row.is_default,
    defaultLocale: row.default_locale,
    defaultRegion: row.default_region,
  };
}

/** The country national phone numbers belong to (ISO 3166 alpha-2), or null for none. */
export async function setDefaultRegion(
  db: Kysely<Database>,
  projectId: string,
  region: string | null,
): Promise<void> {
  await db.updateTable('projects').set({ default_region: region }).where('id', '=', projectId).execute();
}

export async function setDefaultLocale(
  db: Kysely<Database>,
  projectId: string,
  locale: string,
): Promise<void> {
  await db.updateTable('projects').set({ default_locale: locale }).where('id', '=', projectId).execute();
}
