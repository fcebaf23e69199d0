// The worker's own database session: it holds the advisory lock that tells other workers this
// one lives (its claims are released the moment the session ends) and LISTENs for new jobs and
// provider changes. If it drops, a new session takes a new worker id and goes on; the old id's
// claims are released by whoever notices.

import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { Logger } from '../log.ts';
import { providersChangedChannel } from '../providers/index.ts';
import { channelFor, workerLockClass } from './queue.ts';

export interface SessionEvents {
  /** A high-priority job is due (wake every lane). */
  urgentJob: () => void;
  /** Any job is due. */
  job: () => void;
  /** A provider's configuration changed. */
  providersChanged: () => void;
}

const reconnectMs = 1000;

export class WorkerSession {
  private client?: pg.Client;
  private workerId = '';
  private open = false;

  constructor(
    private readonly databaseUrl: string,
    private readonly events: SessionEvents,
    private readonly log: Logger,
  ) {}

  /** The id the worker's claims carry now; it changes when the session is replaced. */
  get id(): string {
    return this.workerId;
  }

  async start(): Promise<void> {
    this.open = true;
    await this.connect();
  }

  async stop(): Promise<void> {
    this.open = false;
    await this.client?.end().catch(() => {});
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.databaseUrl, keepAlive: true });
    // While the session opens, its errors reach the caller, which retries. Once it is live, the
    // first error replaces it, once: a session lost with its server reports more than one.
    let live = false;
    let id = '';
    client.on('error', (err) => {
      if (!live) return;
      live = false;
      this.log.error({ err, workerId: id }, 'worker session lost; reconnecting');
      client.end().catch(() => {});
      void this.reconnect();
    });
    try {
      await client.connect();
      const { rows } = await client.query<{ id: string }>("SELECT nextval('worker_ids')::text AS id");
      id = (rows[0] as { id: string }).id;
      await client.query('SELECT pg_advisory_lock($1, $2::int)', [workerLockClass, id]);
      await client.query(`LISTEN ${channelFor.any}`);
      await client.query(`LISTEN ${channelFor.high}`);
      await client.query(`LISTEN ${providersChangedChannel}`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    client.on('notification', (n) => {
      if (n.channel === providersChangedChannel) this.events.providersChanged();
      else if (n.channel === channelFor.high) this.events.urgentJob();
      else this.events.job();
    });
    live = true;
    this.client = client;
    this.workerId = id;
  }

  private async reconnect(): Promise<void> {
    while (this.open) {
      try {
        await this.connect();
        return;
      } catch (err) {
        this.log.error({ err }, 'worker reconnect failed');
        await sleep(reconnectMs);
      }
    }
  }
}
