// WhatsApp's pair rate limit (about one message every 6 s from a business number to the same
// user), kept in PostgreSQL as each recipient's next allowed time, so that two workers never
// send to one person within the gap. A message that comes too soon is postponed to that time.
import { type Kysely, sql } from 'kysely';
import { pairRateLimitMs } from '../channels/whatsapp/index.ts';
import type { Database } from '../db/index.ts';

const purgeEveryMs = 60_000;

export class PairPacer {
  private lastPurge = 0;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly onError: (err: unknown) => void,
    private readonly gapMs = pairRateLimitMs,
  ) {}

  /**
   * Takes the recipient's turn: null when the message may go now (the next one waits the gap
   * from now), else the time it may go. One statement, under the recipient's row lock.
   */
  async turn(projectId: string, phone: string): Promise<Date | null> {
    await this.purge();
    const { rows } = await sql<{ granted: boolean; next_at: Date }>`
      WITH clock AS (SELECT clock_timestamp() + make_interval(secs => ${this.gapMs / 1000}::float8) AS next_at)
      INSERT INTO whatsapp_pair_pacing AS p (project_id, phone, next_at)
      SELECT ${projectId}, ${phone}, next_at FROM clock
      ON CONFLICT (project_id, phone) DO UPDATE
        SET next_at = CASE WHEN p.next_at <= clock_timestamp() THEN excluded.next_at ELSE p.next_at END
      RETURNING p.next_at = (SELECT next_at FROM clock) AS granted, p.next_at
    `.execute(this.db);
    const row = rows[0];
    if (!row || row.granted) return null;
    return row.next_at;
  }

  /**
   * Counts the gap from the moment the provider took the message, not from the turn: a send
   * that waited for the rate limiter must not shorten the next one's wait. Never throws: the
   * message is sent, and a failure here only risks the provider's own pair-limit error.
   */
  async sent(projectId: string, phone: string): Promise<void> {
    await sql`
      UPDATE whatsapp_pair_pacing
      SET next_at = greatest(next_at, clock_timestamp() + make_interval(secs => ${this.gapMs / 1000}::float8))
      WHERE project_id = ${projectId} AND phone = ${phone}
    `
      .execute(this.db)
      .catch((err: unknown) => this.onError(err));
  }

  /** Recipients whose gap is over need no row: the next message may go at once. */
  private async purge(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < purgeEveryMs) return;
    this.lastPurge = now;
    await sql`DELETE FROM whatsapp_pair_pacing WHERE next_at < now()`.execute(this.db);
  }
}
