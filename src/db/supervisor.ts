// Keeps a database server that this process runs alive: notices when its process has died,
// starts it again (backoff and bounds from the restart policy), and says when the process can
// no longer serve, for /healthz. It only supervises; starting and stopping belong to the caller.
import { nextRestart, type RestartPolicy } from './restart-policy.ts';

export interface SupervisedServer {
  alive(): boolean;
  /** Starts the server again; resolves once it accepts connections. */
  restart(): Promise<void>;
}

export interface SupervisionPolicy extends RestartPolicy {
  /** How long the server may be down, while being restarted, before problem() reports it. */
  graceMs: number;
  /** How often the server's process is checked. */
  checkEveryMs: number;
}

export class Supervisor {
  private timer?: NodeJS.Timeout;
  private attempts: number[] = [];
  private failedInARow = 0;
  private downSince?: number;
  private gaveUp?: string;
  private recovering?: Promise<void>;
  private stopped = false;
  private wakeUp?: () => void;

  constructor(
    private readonly server: SupervisedServer,
    private readonly policy: SupervisionPolicy,
    private readonly log: { info(line: string): void; warn(line: string): void },
    private readonly name = 'the embedded PostgreSQL',
  ) {}

  start(): void {
    this.timer = setInterval(() => this.check(), this.policy.checkEveryMs);
    this.timer.unref();
  }

  /** Stops watching; resolves once a restart in progress has finished, so none starts later. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.wakeUp?.();
    await this.recovering;
  }

  /** Why this process cannot serve because of its server, or null while it can (or soon will). */
  problem(now = Date.now()): string | null {
    if (this.gaveUp) return `${this.name} is down and Aviso stopped restarting it (${this.gaveUp})`;
    if (this.downSince !== undefined && now - this.downSince > this.policy.graceMs) {
      return `${this.name} has been down for ${Math.round((now - this.downSince) / 1000)} s`;
    }
    return null;
  }

  private check(): void {
    if (this.recovering || this.stopped || this.gaveUp || this.server.alive()) return;
    this.recovering = this.recover().finally(() => {
      this.recovering = undefined;
    });
  }

  private async recover(): Promise<void> {
    const downSince = Date.now();
    this.downSince = downSince;
    this.log.warn(`${this.name} died; restarting it`);
    while (!this.stopped) {
      // A try that timed out may have started it all the same: starting a second would fail.
      if (this.failedInARow > 0 && this.server.alive()) {
        this.recovered(downSince);
        return;
      }
      const now = Date.now();
      this.attempts = this.attempts.filter((t) => now - t < this.policy.windowMs);
      const decision = nextRestart(this.policy, this.attempts, this.failedInARow, now);
      if ('giveUp' in decision) {
        this.gaveUp = decision.giveUp;
        this.log.warn(`${this.name} stays down: ${decision.giveUp}; /healthz now fails`);
        return;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, decision.restartInMs);
        this.wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      if (this.stopped) return;
      this.attempts.push(Date.now());
      try {
        await this.server.restart();
        this.recovered(downSince);
        return;
      } catch (err) {
        this.failedInARow++;
        this.log.warn(`restarting ${this.name} failed: ${(err as Error).message}`);
      }
    }
  }

  private recovered(downSince: number): void {
    this.failedInARow = 0;
    this.downSince = undefined;
    this.log.info(`${this.name} restarted after ${Date.now() - downSince} ms down`);
  }
}
