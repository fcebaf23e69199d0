// What the subcommands share: the configuration (a bad setting ends the command with a
// readable message), the --project option, and opening Aviso for a one-shot command.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Option } from 'commander';
import { type OpenAviso, openAviso, type RunningAviso, runningAvisos } from '../app/index.ts';
import { type Config, ConfigError, loadConfig } from '../config/index.ts';
import { embeddedClusterExists } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { findProject, type Project } from '../projects/index.ts';
import { parseUntrustedJson } from '../records/index.ts';
import { TemplateFolderError } from '../templates/index.ts';

/** Opens Aviso, runs `work`, closes again (an embedded server used by another process keeps running). */
export async function withAviso<T>(config: Config, work: (aviso: OpenAviso) => Promise<T>): Promise<T> {
  refuseNewDatabaseBesideRunning(config);
  const aviso = await openAviso(config, { poolSize: 2, log: (line) => process.stderr.write(`${line}\n`) });
  try {
    return await work(aviso);
  } finally {
    await aviso.close();
  }
}

/**
 * A one-shot command must not quietly create a database that no running server reads (a key
 * made there gets 401 from the server): when another Aviso runs, it stops and says how to
 * reach that server's data, unless AVISO_CREATE_DATA_DIR=true.
 */
function refuseNewDatabaseBesideRunning(config: Config): void {
  if (config.databaseUrl || config.createDataDir || embeddedClusterExists(config.dataDir)) return;
  const others = runningAvisos();
  if (others.length === 0) return;
  process.stderr.write(`aviso: ${newDatabaseRefusal(resolve(config.dataDir), others)}\n`);
  process.exit(2);
}

function newDatabaseRefusal(dataDir: string, others: RunningAviso[]): string {
  const described = others.map((a) => {
    const where = a.dataDir ? `with data folder ${a.dataDir}` : 'on the database named by DATABASE_URL';
    return `${where} (pid ${a.pid}${a.url ? `, API ${a.url}` : ''})`;
  });
  const [first] = others;
  const set =
    others.length > 1
      ? 'set AVISO_DATA_DIR or DATABASE_URL as the one you mean has it'
      : first?.dataDir
        ? `set AVISO_DATA_DIR=${shellWord(first.dataDir)} to use its data`
        : 'set the DATABASE_URL it runs with to use its data';
  return (
    `this command would create a new database in ${dataDir}, but Aviso already runs ${described.join('; ')}: ` +
    `${set}, or AVISO_CREATE_DATA_DIR=true to create the new one anyway.`
  );
}

/** A value as one shell word, quoted only when it needs to be, for commands shown to paste. */
export function shellWord(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

export async function projectOrExit(aviso: OpenAviso, idOrName: string | undefined): Promise<Project> {
  const project = await findProject(aviso.db, idOrName);
  if (!project) {
    process.stderr.write(`aviso: no project "${idOrName}" (see: aviso projects list)\n`);
    process.exit(2);
  }
  return project;
}

export function config(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`aviso: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

export const projectOption = () =>
  new Option('-p, --project <name-or-id>', 'project (default: the default project)');

/** Template data from a --data option: JSON, or @path/to/file.json. */
export async function readData(value: string | undefined): Promise<Record<string, unknown> | undefined> {
  if (value === undefined) return undefined;
  const source = value.startsWith('@') ? value.slice(1) : 'the JSON given';
  const text = value.startsWith('@') ? await readFile(value.slice(1), 'utf8') : value;
  try {
    return parseUntrustedJson(text) as Record<string, unknown>;
  } catch (err) {
    process.stderr.write(`aviso: ${source} is not valid JSON: ${(err as Error).message}\n`);
    process.exit(2);
  }
}

/** Prints an error the way an editor would want it: file or field, line and column. */
function report(err: unknown): void {
  if (err instanceof TemplateFolderError) {
    for (const issue of err.issues) process.stderr.write(`  ${issue.file}: ${issue.message}\n`);
    process.stderr.write(`aviso: the folder has ${err.issues.length} problem(s); nothing was changed\n`);
  } else if (err instanceof ApiError) {
    for (const d of err.details ?? [err.toBody().error]) {
      const at = d.line !== undefined ? `:${d.line}${d.column !== undefined ? `:${d.column}` : ''}` : '';
      process.stderr.write(`  ${d.path ?? ''}${at}  ${d.code}: ${d.message}\n`);
    }
    process.stderr.write(`aviso: ${err.message}\n`);
  } else {
    throw err;
  }
  process.exitCode = 2;
}

/** Runs `work` on the chosen project; API and template folder errors are reported (exit code 2). */
export function inProject(
  opts: { project?: string },
  work: (aviso: OpenAviso, project: Project) => Promise<unknown>,
) {
  return withAviso(config(), async (aviso) => {
    const project = await projectOrExit(aviso, opts.project);
    try {
      await work(aviso, project);
    } catch (err) {
      report(err);
    }
  });
}
