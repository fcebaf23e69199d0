// Opens Aviso's storage for any command: the database (embedded or external), migrations
// applied, the master keyring loaded and checked (plaintext secrets sealed), the default
// project present. The server and the CLI open it the same way, so they use the same keys.
import type { Config } from '../config/index.ts';
import { migrateToLatest, type OpenDatabase, type OpenOptions, openDatabase } from '../db/index.ts';
import { ensureDefaultProject, type Project } from '../projects/index.ts';
import type { Secrets } from '../secrets/index.ts';
import { configureTemplateThreads, defaultTemplateThreadOptions } from '../templates/index.ts';
import { openStoredSecrets } from './stored-secrets.ts';

export interface OpenAviso extends OpenDatabase {
  defaultProject: Project;
  migrationsApplied: string[];
  /** Seals and opens the stored secrets. */
  secrets: Secrets;
}

export async function openAviso(config: Config, options: OpenOptions = {}): Promise<OpenAviso> {
  // Started now, so the first template a request needs finds its threads ready.
  configureTemplateThreads({
    ...defaultTemplateThreadOptions,
    threads: config.templateThreads,
    timeLimitMs: config.templateTimeLimitMs,
  });
  const database = await openDatabase(config, options);
  try {
    const migrationsApplied = await migrateToLatest(database.db);
    const secrets = await openStoredSecrets(database.db, config, options.log);
    const defaultProject = await ensureDefaultProject(database.db);
    return { ...database, defaultProject, migrationsApplied, secrets };
  } catch (err) {
    await database.close();
    throw err;
  }
}
