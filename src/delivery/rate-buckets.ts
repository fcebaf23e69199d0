// A provider's token bucket in PostgreSQL, shared by every worker process, so that N workers
// together send at most the provider's rate, not N times it. One statement refills the bucket
// for the time passed and grants a batch of tokens under the row's lock; the bucket holds one
// second's worth at most (the burst). It never grants a token the bucket does not have.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/index.ts';
import type { TokenSource } from './rate-limiter.ts';

/** Tokens of a provider's bucket: `rate` a second, up to one second's worth held. */
export function sharedBucket(db: Kysely<Database>, providerId: string, rate: number): TokenSource {
  const capacity = Math.max(1, rate);
  // An urgent request that found too few tokens holds normal ones off until its next try
  // (at the next token, 1/rate later) has had its chance, plus a margin for the round trip.
  const urgentHoldSeconds = (2 / rate + 0.02).toFixed(3);
  const take = async (want: number, urgent: boolean) => {
    // 0.7 ms (p50) on the busy bench host; the row is locked for this statement only, and
    // batches of up to 100 ms of the rate make it one round trip per batch, not per message
    // (36 senders at 12,000 sends/s: 18 takes a second).
    const { rows } = await sql<{ granted: number; retry_in_ms: number }>`
      WITH clock AS (SELECT clock_timestamp() AS at),
      current AS (
        SELECT b.provider_id, b.urgent_until, greatest(b.refilled_at, c.at) AS at,
          least(${capacity}::float8,
            b.tokens + ${rate}::float8 * greatest(0, extract(epoch FROM c.at - b.refilled_at)::float8)
          ) AS available
        FROM provider_rate_buckets b, clock c
        WHERE b.provider_id = ${providerId}
        FOR UPDATE OF b
      ), decided AS (
        SELECT *, CASE WHEN NOT ${urgent}::boolean AND urgent_until > at THEN 0
                       ELSE least(${want}::int, floor(available)::int) END AS granted
        FROM current
      )
      UPDATE provider_rate_buckets b
      SET tokens = d.available - d.granted, refilled_at = d.at,
        urgent_until = CASE WHEN NOT ${urgent}::boolean THEN b.urgent_until
                            WHEN d.granted < ${want}::int
                              THEN d.at + make_interval(secs => ${urgentHoldSeconds}::float8)
                            END
      FROM decided d
      WHERE b.provider_id = d.provider_id
      RETURNING d.granted,
        CASE WHEN NOT ${urgent}::boolean AND d.urgent_until > d.at
               THEN extract(epoch FROM d.urgent_until - d.at)::float8 * 1000
             ELSE (1 - (d.available - d.granted)) / ${rate}::float8 * 1000 END AS retry_in_ms
    `.execute(db);
    const row = rows[0];
    return row ? { granted: row.granted, retryInMs: Math.max(0, row.retry_in_ms) } : null;
  };
  return {
    async take(want, urgent) {
      const taken = await take(want, urgent);
      if (taken) return taken;
      // The first take of a provider: its bucket starts full.
      await sql`
        INSERT INTO provider_rate_buckets (provider_id, tokens, refilled_at)
        VALUES (${providerId}, ${capacity}, clock_timestamp())
        ON CONFLICT DO NOTHING
      `.execute(db);
      return (await take(want, urgent)) ?? { granted: 0, retryInMs: 1000 / rate };
    },
    async giveBack(count) {
      await sql`
        UPDATE provider_rate_buckets SET tokens = least(${capacity}::float8, tokens + ${count}::float8)
        WHERE provider_id = ${providerId}
      `.execute(db);
    },
  };
}
