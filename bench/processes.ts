// Aviso as it runs in production: `aviso api` and `aviso worker` as their own processes, so a
// load generator or SMTP sink in the bench process does not share their event loop, and their
// memory is theirs alone (peak RSS read from /proc when the scenario ends).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { freePort } from '../src/db/index.ts';
import { workerLockClass } from '../src/delivery/index.ts';
import { benchSender } from './content.ts';
import type { BenchOptions } from './options.ts';
import { figure, formatBytes, metric, verdict } from './report.ts';
import { waitUntil } from './scope.ts';

export interface AvisoProcess {
  readonly role: 'api' | 'worker';
  readonly pid: number;
  /** The API's base URL (api only). */
  readonly url: string;
  /** Highest resident set size so far, in bytes (VmHWM); undefined where /proc is missing. */
  peakRss(): number | undefined;
  stop(): Promise<void>;
}

/** Starts `aviso <role>` on `databaseUrl` and waits until it is ready. */
export async function spawnAviso(
  options: BenchOptions,
  databaseUrl: string,
  role: 'api' | 'worker',
  env: Record<string, string> = {},
): Promise<AvisoProcess> {
  const port = await freePort();
  const profile = options.profileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.profileDir}`] : [];
  const child = spawn(process.execPath, [...profile, 'bin/aviso.js', role], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      AVISO_PORT: String(port),
      AVISO_FROM: benchSender,
      AVISO_LOG_LEVEL: options.logLevel,
      ...env,
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  // What it says on stderr (its start banner, errors) is shown only if it fails.
  let said = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    said = (said + chunk.toString()).slice(-4000);
  });
  const exited = once(child, 'exit');
  const pid = child.pid as number;
  let lastPeak: number | undefined;
  const peakRss = () => {
    lastPeak = readPeakRss(pid) ?? lastPeak;
    return lastPeak;
  };
  const stop = async () => {
    peakRss();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null)
          throw new Error(`aviso ${role} exited with code ${child.exitCode}:\n${said}`);
        if (role === 'worker') return readyWorker(databaseUrl);
        return fetch(`${url}/readyz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      30_000,
      `aviso ${role} to be ready`,
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { role, pid, url, peakRss, stop };
}

/** A worker is ready once it holds its advisory lock (its session is up). */
async function readyWorker(databaseUrl: string): Promise<boolean> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = $1::oid",
      [workerLockClass],
    );
    return (rows[0]?.n ?? 0) > 0;
  } finally {
    await client.end();
  }
}

function readPeakRss(pid: number): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

/** Budget of issue 14: every Aviso process stays under 300 MB resident, whatever the load. */
const rssBudgetBytes = 300 * 1024 * 1024;

/** Prints (and records) the peak RSS of each Aviso process of the scenario, and the verdict. */
export function reportPeakRss(processes: readonly AvisoProcess[]): void {
  const peaks = processes.map((p) => ({ role: p.role, peak: p.peakRss() }));
  const known = peaks.filter((p): p is { role: AvisoProcess['role']; peak: number } => p.peak !== undefined);
  if (known.length === 0) {
    figure('Aviso peak RSS', 'unknown (no /proc)');
    return;
  }
  figure(
    `Aviso peak RSS (${known.map((p) => `aviso ${p.role}`).join(' / ')})`,
    known.map((p) => formatBytes(p.peak)).join(' / '),
  );
  for (const p of known) metric(`peakRss_${p.role}_Bytes`, p.peak);
  verdict(
    'memory',
    known.every((p) => p.peak < rssBudgetBytes),
    `< ${formatBytes(rssBudgetBytes)} RSS per process`,
  );
}

const ticksPerSecond = 100;

/** CPU seconds (user + system, all threads) a process has used, from /proc; 0 where missing. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): utime is the 14th, stime the 15th.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const at = (n: number) => Number(fields[n - 3] ?? 0);
    return (at(14) + at(15) + at(16) + at(17)) / ticksPerSecond;
  } catch {
    return 0;
  }
}

/** CPU seconds every PostgreSQL process on this machine has used (ended backends included). */
export function postgresCpuSeconds(): number {
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres')
        total += cpuSeconds(Number(entry));
    } catch {}
  }
  return total;
}
