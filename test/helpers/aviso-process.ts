// Runs the real `aviso` binary as a user would: `start` as a child process (its banner read
// for the API URL and the commands it prints) and one-shot CLI commands, on an embedded
// PostgreSQL in a data folder of the test's own. Cleans up the cluster wherever it lives.
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const avisoBin = resolve('bin/aviso.js');
const exec = promisify(execFile);

/** The environment of an Aviso child: the test's own, without a database URL it may carry. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { ...process.env, DATABASE_URL: '', AVISO_PORT: '0', AVISO_LOG_LEVEL: 'warn', ...env };
}

export interface AvisoProcess {
  child: ChildProcess;
  url: string;
  /** What it printed up to the end of its banner. */
  banner: string;
  output(): string;
  /** SIGTERM, then waits for the exit; returns the exit code. */
  stop(): Promise<number | null>;
}

export async function startAvisoProcess(
  env: Record<string, string>,
  options: { cwd?: string; timeoutMs?: number; bin?: string } = {},
): Promise<AvisoProcess> {
  const child = spawn(process.execPath, [options.bin ?? avisoBin, 'start'], {
    cwd: options.cwd,
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c) => {
    output += c;
  });
  child.stderr?.on('data', (c) => {
    output += c;
  });
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  while (!/Create an API key: .*\n/.test(output)) {
    if (child.exitCode !== null) throw new Error(`aviso start exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`aviso start printed no banner in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const url = /Aviso API: +(\S+)/.exec(output)?.[1] ?? '';
  const banner = output;
  return {
    child,
    url,
    banner,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `aviso ARGS…` (the repo's bin/aviso.js, or `bin`), or a whole shell command line when
 * `args` is a string.
 */
export async function avisoCli(
  args: string[] | string,
  env: Record<string, string>,
  cwd?: string,
  bin = avisoBin,
): Promise<CliResult> {
  const [file, argv] = typeof args === 'string' ? ['sh', ['-c', args]] : [process.execPath, [bin, ...args]];
  try {
    const { stdout, stderr } = await exec(file, argv, { cwd, env: childEnv(env) });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** Where a data folder's cluster is: recorded in cluster.json when kept elsewhere, else pg/. */
export function clusterDirOf(dataDir: string): string {
  const record = join(dataDir, 'cluster.json');
  if (!existsSync(record)) return join(dataDir, 'pg');
  return (JSON.parse(readFileSync(record, 'utf8')) as { clusterDir: string }).clusterDir;
}

/** The pid of the cluster's postmaster, from PostgreSQL's own lock file. */
export function postmasterPid(dataDir: string): number {
  return Number(readFileSync(join(clusterDirOf(dataDir), 'postmaster.pid'), 'utf8').split('\n')[0]);
}

/** Stops a server a failed test left behind, then removes the data folder and its cluster. */
export async function removeDataDir(dataDir: string): Promise<void> {
  if (!existsSync(dataDir)) return;
  let pid = 0;
  try {
    pid = postmasterPid(dataDir);
  } catch {}
  const alive = () => {
    try {
      return pid > 0 && process.kill(pid, 0);
    } catch {
      return false;
    }
  };
  if (alive()) process.kill(pid, 'SIGINT');
  for (let i = 0; i < 200 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
  rmSync(clusterDirOf(dataDir), { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}

export async function sendTestMessage(url: string, key: string, subject = 'Hello') {
  const response = await fetch(`${url}/v1/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ to: 'ana@example.com', from: 'shop@example.com', subject, text: 'x' }),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}
