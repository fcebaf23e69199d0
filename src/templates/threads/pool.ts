// The template threads: a small pool of worker threads that runs every compile, check and
// render of tenant-written templates, so the thread answering HTTP requests (and /healthz)
// never waits on one. Each job has a wall-clock limit, and each request a budget shared by
// its jobs; a thread that overruns is terminated and replaced, and its job answers 422. The
// queue is bounded: beyond it, work is refused with a 503 to retry, never buffered without end.
import { Worker } from 'node:worker_threads';
import { ApiError } from '../../errors/index.ts';
import { fromWire, type JobResults, type TemplateJob, type ThreadMessage } from './protocol.ts';

export interface TemplateThreadOptions {
  /** Threads in the pool. */
  threads: number;
  /** Wall-clock milliseconds one job may run, and one request's jobs together. */
  timeLimitMs: number;
  /** Jobs that may wait for a thread; beyond, work is refused (503). */
  queueLimit: number;
  /** Heap of one thread, in MB: a render that needs more fails alone (422). */
  memoryLimitMb: number;
}

export const defaultTemplateThreadOptions: TemplateThreadOptions = {
  threads: 2,
  timeLimitMs: 10_000,
  queueLimit: 2000,
  memoryLimitMb: 256,
};

/**
 * The time one request's template work may take, shared by all its jobs: the clock starts
 * when its first job starts on a thread (waiting for a free thread is not the template's
 * fault), and every later job must end by the same deadline.
 */
export class TemplateBudget {
  private deadline: number | undefined;
  constructor(readonly totalMs: number) {}

  remainingMs(now = performance.now()): number {
    return this.deadline === undefined ? this.totalMs : this.deadline - now;
  }

  start(now: number) {
    this.deadline ??= now + this.totalMs;
  }

  exhaust() {
    this.deadline = Number.NEGATIVE_INFINITY;
  }
}

interface Pending {
  job: TemplateJob;
  budget: TemplateBudget | undefined;
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
}

interface Thread {
  worker: Worker;
  ready: boolean;
  compiles: number;
  running?: Pending & { id: number; timer: NodeJS.Timeout };
}

const entry = new URL('./thread-entry.mjs', import.meta.url);

function tooSlow(limitMs: number): ApiError {
  return new ApiError(
    'template_too_slow',
    `Working on this template took more than ${limitMs} ms (AVISO_TEMPLATE_TIME_LIMIT_MS), so it was stopped.`,
  );
}

export class TemplateThreads {
  private readonly threads = new Set<Thread>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  /** Compiles done by threads that have since been replaced. */
  private retiredCompiles = 0;
  private startFailures = 0;
  private closed = false;

  constructor(private options: TemplateThreadOptions = defaultTemplateThreadOptions) {}

  configure(options: TemplateThreadOptions) {
    this.options = options;
    this.closed = false;
    this.fill();
  }

  /** Threads the pool runs (when all have started). */
  get size(): number {
    return this.options.threads;
  }

  get timeLimitMs(): number {
    return this.options.timeLimitMs;
  }

  /** Compiles done in all threads since start (the render cache's tests and the bench read it). */
  get compiles(): number {
    let n = this.retiredCompiles;
    for (const t of this.threads) n += t.compiles;
    return n;
  }

  run<K extends TemplateJob['kind']>(
    job: Extract<TemplateJob, { kind: K }>,
    budget?: TemplateBudget,
  ): Promise<JobResults[K]> {
    if (this.queue.length >= this.options.queueLimit) {
      return Promise.reject(
        new ApiError('service_unavailable', 'Template work is at capacity; retry shortly.'),
      );
    }
    if (budget && budget.remainingMs() <= 0) return Promise.reject(tooSlow(this.options.timeLimitMs));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, budget, resolve: resolve as (value: unknown) => void, reject });
      this.fill();
      this.dispatch();
    });
  }

  /** Stops every thread; jobs still waiting are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) {
      pending.reject(new ApiError('service_unavailable', 'Aviso is shutting down.'));
    }
    await Promise.all([...this.threads].map((t) => this.retire(t)));
  }

  private fill() {
    while (!this.closed && this.threads.size < this.options.threads) this.spawn();
  }

  private spawn() {
    const worker = new Worker(entry, {
      resourceLimits: { maxOldGenerationSizeMb: this.options.memoryLimitMb },
    });
    const thread: Thread = { worker, ready: false, compiles: 0 };
    this.threads.add(thread);
    worker.on('message', (message: ThreadMessage) => this.onMessage(thread, message));
    worker.on('error', (err) => this.onExit(thread, err));
    worker.on('exit', (code) => this.onExit(thread, new Error(`template thread exited with code ${code}`)));
    // After the listeners: adding a 'message' listener refs the thread's port again.
    this.holdProcess();
  }

  private onMessage(thread: Thread, message: ThreadMessage) {
    if ('ready' in message) {
      thread.ready = true;
      this.startFailures = 0;
      this.dispatch();
      return;
    }
    const running = thread.running;
    if (!running || running.id !== message.id) return;
    clearTimeout(running.timer);
    thread.running = undefined;
    thread.compiles = message.compiles;
    if (message.ok) running.resolve(message.value);
    else running.reject(fromWire(message.error));
    this.dispatch();
  }

  /** A thread died (out of memory, a crash) or was terminated: its job fails alone. */
  private onExit(thread: Thread, err: Error) {
    if (!this.threads.delete(thread)) return;
    this.retiredCompiles += thread.compiles;
    const running = thread.running;
    if (running) {
      clearTimeout(running.timer);
      const outOfMemory = (err as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY';
      running.reject(
        outOfMemory
          ? new ApiError(
              'template_too_large',
              `Working on this template needed more than ${this.options.memoryLimitMb} MB of memory, so it was stopped.`,
            )
          : err,
      );
    }
    if (!thread.ready) this.startFailures++;
    if (this.startFailures >= 3) {
      // Threads that cannot even start (a broken install): say so to what waits, try later.
      for (const pending of this.queue.splice(0)) pending.reject(err);
      setTimeout(() => this.fill(), 1000).unref();
      return;
    }
    this.fill();
    this.dispatch();
  }

  /**
   * Idle threads do not keep the process alive (a CLI command ends when its work is done); a
   * thread that runs a job, or starts while jobs wait, does.
   */
  private holdProcess() {
    const waiting = this.queue.length > 0;
    for (const t of this.threads) {
      if (t.running || (waiting && !t.ready)) t.worker.ref();
      else t.worker.unref();
    }
  }

  private dispatch() {
    this.assign();
    this.holdProcess();
  }

  private assign() {
    for (const thread of this.threads) {
      if (!thread.ready || thread.running) continue;
      const now = performance.now();
      const next = this.nextRunnable(now);
      if (!next) return;
      this.start(thread, next.pending, next.limitMs, now);
    }
  }

  /** The next waiting job with time left in its request's budget; the others are refused. */
  private nextRunnable(now: number): { pending: Pending; limitMs: number } | undefined {
    for (let pending = this.queue.shift(); pending; pending = this.queue.shift()) {
      const left = pending.budget?.remainingMs(now) ?? Number.POSITIVE_INFINITY;
      const limitMs = Math.min(this.options.timeLimitMs, left);
      if (limitMs > 0) return { pending, limitMs };
      pending.reject(tooSlow(this.options.timeLimitMs));
    }
    return undefined;
  }

  private start(thread: Thread, pending: Pending, limitMs: number, now: number) {
    const id = this.nextId++;
    const timer = setTimeout(() => {
      if (thread.running?.id !== id) return;
      thread.running = undefined;
      pending.reject(tooSlow(this.options.timeLimitMs));
      pending.budget?.exhaust();
      void this.retire(thread).then(() => {
        this.fill();
        this.dispatch();
      });
    }, limitMs);
    pending.budget?.start(now);
    thread.running = { ...pending, id, timer };
    thread.worker.postMessage({ id, job: pending.job });
  }

  private async retire(thread: Thread) {
    if (this.threads.delete(thread)) this.retiredCompiles += thread.compiles;
    await thread.worker.terminate();
  }
}

let shared: TemplateThreads | undefined;

/** The process's template threads, started on first use with the options last configured. */
export function templateThreads(): TemplateThreads {
  shared ??= new TemplateThreads();
  return shared;
}

/** Sets the pool's options from the configuration, and starts its threads. */
export function configureTemplateThreads(options: TemplateThreadOptions) {
  templateThreads().configure(options);
}
