// Delivery state that every worker process shares instead of keeping its own copy: the token
// bucket of each provider's rate limit, WhatsApp's per-recipient pacing, and delivery reports
// that arrived before the send they report on was recorded.
//
// Buckets and pacing are UNLOGGED: they cost no WAL on the hot path, and the crash recovery
// that empties them only gives back a full bucket (a burst of one second's worth, which the
// limit allows anyway) or lets one early message through to a recipient. Unmatched reports
// are logged like any data: the provider was told "received" and will not send them again.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE UNLOGGED TABLE provider_rate_buckets (
      provider_id   text PRIMARY KEY REFERENCES provider_configs(id) ON DELETE CASCADE,
      tokens        double precision NOT NULL,
      refilled_at   timestamptz NOT NULL,
      -- Set while a high-priority send waits for a token: normal and low ones get none until
      -- then, whichever worker they are in.
      urgent_until  timestamptz
    );

    CREATE UNLOGGED TABLE whatsapp_pair_pacing (
      project_id  text NOT NULL,
      phone       text NOT NULL,
      -- The earliest time the next message to this recipient may be sent.
      next_at     timestamptz NOT NULL,
      PRIMARY KEY (project_id, phone)
    );
    CREATE INDEX whatsapp_pair_pacing_next ON whatsapp_pair_pacing (next_at);

    CREATE TABLE unmatched_receipts (
      id           bigserial PRIMARY KEY,
      provider_id  text NOT NULL REFERENCES provider_configs(id) ON DELETE CASCADE,
      -- The provider message ids the report may match, the id as given first.
      forms        text[] NOT NULL,
      receipt      jsonb NOT NULL,
      received_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX unmatched_receipts_received ON unmatched_receipts (received_at);
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE unmatched_receipts, whatsapp_pair_pacing, provider_rate_buckets`.execute(db);
}
