// Opens Aviso's storage for any command: the database (embedded or external), migrations
// applied, the default project present.
import type { Config } from '../config/index.ts';
import { migrateToLatest, type OpenDatabase, openDatabase } from '../db/index.ts';
import { ensureDefaultProject, type Project } from '../projects/index.ts';
import { configureTemplateThreads, defaultTemplateThreadOptions } from '../templates/index.ts';

export interface OpenAviso extends OpenDatabase {
  defaultProject: Project;
  migrationsApplied: string[];
}

export async function openAviso(
  config: Config,
  options: { poolSize?: number; log?: (line: string) => void } = {},
): Promise<OpenAviso> {
  // Started now, so the first template a request needs finds its threads ready.
  configureTemplateThreads({
    ...defaultTemplateThreadOptions,
    threads: config.templateThreads,
    timeLimitMs: config.templateTimeLimitMs,
  });
  const database = await openDatabase(config, options);
  try {
    const migrationsApplied = await migrateToLatest(database.db);
    const defaultProject = await ensureDefaultProject(database.db);
    return { ...database, defaultProject, migrationsApplied };
  } catch (err) {
    await database.close();
    throw err;
  }
}
