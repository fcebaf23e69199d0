// Real `aviso worker` processes for tests that need more than one worker, or one to kill:
// spawned from bin/aviso.js with the environment given, their output kept for assertions
// and error messages. stopWorkerProcesses() ends whichever are still running.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything it wrote to stdout and stderr so far. */
  output(): string;
}

const started: ChildProcess[] = [];

export function startWorkerProcess(env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, ['bin/aviso.js', 'worker'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let output = '';
  child.stdout?.on('data', (c) => {
    output += c;
  });
  child.stderr?.on('data', (c) => {
    output += c;
  });
  return { child, output: () => output };
}

/** Resolves once the worker logged that it started (it claims jobs from then on). */
export async function workerStarted(worker: WorkerProcess, timeoutMs = 30_000): Promise<void> {
  await until(
    () => `the worker to start; output: ${worker.output()}`,
    timeoutMs,
    () => {
      if (worker.child.exitCode !== null) throw new Error(`worker exited: ${worker.output()}`);
      return worker.output().includes('worker started');
    },
  );
}

/** SIGKILLs every worker process still running and waits for them to exit. */
export async function stopWorkerProcesses(): Promise<void> {
  const running = started.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of running) child.kill('SIGKILL');
  await Promise.all(running.map((c) => once(c, 'exit')));
  started.length = 0;
}

export async function until(
  what: () => string,
  timeoutMs: number,
  done: () => boolean | Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
