// The starter gallery: ready-made templates (English and Spanish) every new project gets,
// published, so a first send or preview works at once. They live in starters/ in the folder
// format of `aviso templates pull/push`, so they are edited and reviewed like any template.
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { readTemplateFolder, type TemplateFolder } from './folder.ts';
import { type PushChange, pushTemplateFolder } from './push.ts';

export const startersDir = fileURLToPath(new URL('./starters', import.meta.url));

let starters: Promise<TemplateFolder> | undefined;

export function starterFolder(): Promise<TemplateFolder> {
  starters ??= readTemplateFolder(startersDir);
  return starters;
}

/** Installs (and publishes) the starters a project does not have yet; keeps the ones it has. */
export async function installStarters(db: Kysely<Database>, projectId: string): Promise<PushChange[]> {
  const folder = await starterFolder();
  const existing = new Set(
    (
      await db.selectFrom('templates').select(['kind', 'key']).where('project_id', '=', projectId).execute()
    ).map((r) => `${r.kind}/${r.key}`),
  );
  const missing: TemplateFolder = {
    layouts: folder.layouts.filter((l) => !existing.has(`layout/${l.key}`)),
    templates: folder.templates.filter((t) => !existing.has(`template/${t.key}`)),
  };
  return pushTemplateFolder(db, projectId, missing, { publish: true });
}
