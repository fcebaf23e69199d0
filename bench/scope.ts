// What a scenario started, to stop in reverse order however the scenario ends (finished,
// failed, or Ctrl-C): servers, sinks, databases. Each stop is bounded in time, so the bench
// always ends.

const stopTimeoutMs = 45_000;

export class Scope {
  private readonly stack: { what: string; value: unknown; stop: () => Promise<unknown> }[] = [];

  /** Registers `stop` to run when the scope closes; returns `value` for chaining. */
  add<T>(what: string, value: T, stop: (value: T) => Promise<unknown>): T {
    this.stack.push({ what, value, stop: () => stop(value) });
    return value;
  }

  /** Stops one registered value now (so it does not run on during later measurements). */
  async release(value: unknown): Promise<void> {
    const index = this.stack.findIndex((entry) => entry.value === value);
    if (index < 0) return;
    const [entry] = this.stack.splice(index, 1);
    if (entry) await stopEntry(entry);
  }

  async close(): Promise<void> {
    for (let entry = this.stack.pop(); entry; entry = this.stack.pop()) await stopEntry(entry);
  }
}

async function stopEntry({ what, stop }: { what: string; stop: () => Promise<unknown> }): Promise<void> {
  try {
    await withTimeout(stop(), stopTimeoutMs, `stopping ${what}`);
  } catch (err) {
    process.stderr.write(`bench: ${(err as Error).message}\n`);
  }
}

export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took more than ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` every `everyMs` until it returns true; throws after `timeoutMs`. */
export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(everyMs);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
