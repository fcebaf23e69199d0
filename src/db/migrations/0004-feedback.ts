// Delivery feedback: what comes back after a message leaves. Bounces and complaints feed
// suppressions (with an audit of every change); opens and clicks are counted on the message;
// projects choose their tracking defaults and soft-bounce rule; outbound webhooks get their
// endpoints, one delivery row per (endpoint, event) and a log line per attempt.
//
// Webhook deliveries are created by a statement-level trigger on message_events: whatever
// code records an event (accept, worker, receipts, tracking), the delivery row is written in
// the same transaction, so no event is ever missed and none is queued for an event that was
// rolled back. With no endpoint subscribed, the trigger's join finds nothing. No NOTIFY here:
// it would serialise the accepting transactions' commits; dispatchers poll instead.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    -- Installation-wide values created on first start (the HMAC key of tracking links).
    CREATE TABLE settings (
      key    text PRIMARY KEY,
      value  text NOT NULL
    );

    ALTER TABLE projects
      ADD COLUMN track_opens boolean NOT NULL DEFAULT false,
      ADD COLUMN track_clicks boolean NOT NULL DEFAULT false,
      -- A recipient is suppressed after this many soft bounces within this many days.
      ADD COLUMN soft_bounce_limit integer NOT NULL DEFAULT 5,
      ADD COLUMN soft_bounce_days integer NOT NULL DEFAULT 7;

    ALTER TABLE messages
      ADD COLUMN track_opens boolean NOT NULL DEFAULT false,
      ADD COLUMN track_clicks boolean NOT NULL DEFAULT false,
      -- Human engagement only; opens by privacy proxies and clicks by link scanners are
      -- counted apart.
      ADD COLUMN open_count integer NOT NULL DEFAULT 0,
      ADD COLUMN click_count integer NOT NULL DEFAULT 0,
      ADD COLUMN machine_open_count integer NOT NULL DEFAULT 0,
      ADD COLUMN machine_click_count integer NOT NULL DEFAULT 0,
      ADD COLUMN first_opened_at timestamptz,
      ADD COLUMN first_clicked_at timestamptz;

    -- Events across messages, newest first, per project (GET /v1/events).
    CREATE INDEX message_events_project ON message_events (project_id, id DESC);

    ALTER TABLE suppressions
      ADD COLUMN message_id text,
      ADD COLUMN created_by text NOT NULL DEFAULT 'system';
    CREATE INDEX suppressions_project_created ON suppressions (project_id, created_at DESC);

    CREATE TABLE suppression_audit (
      id          bigserial PRIMARY KEY,
      project_id  text NOT NULL REFERENCES projects(id),
      stream      text NOT NULL,
      address     text NOT NULL,
      action      text NOT NULL,          -- added | removed
      reason      text NOT NULL,
      actor       text NOT NULL,          -- an API key id, "system", "cli"
      note        text,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX suppression_audit_address ON suppression_audit (project_id, address, id DESC);

    CREATE TABLE webhook_endpoints (
      id               text PRIMARY KEY,
      project_id       text NOT NULL REFERENCES projects(id),
      url              text NOT NULL,
      description      text,
      -- Event types sent to this endpoint ("delivered", "bounced", …); empty: every type.
      event_types      text[] NOT NULL DEFAULT '{}',
      -- Standard Webhooks secret, "whsec_" + base64 of the key.
      secret           text NOT NULL,
      enabled          boolean NOT NULL DEFAULT true,
      disabled_reason  text,
      disabled_at      timestamptz,
      created_at       timestamptz NOT NULL DEFAULT now(),
      updated_at       timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_endpoints_project ON webhook_endpoints (project_id) WHERE enabled;

    CREATE TABLE webhook_deliveries (
      id               bigserial PRIMARY KEY,
      endpoint_id      text NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
      project_id       text NOT NULL,
      event_id         bigint NOT NULL,
      message_id       text NOT NULL,
      status           text NOT NULL DEFAULT 'pending',   -- pending | succeeded | failed
      attempts         integer NOT NULL DEFAULT 0,
      next_attempt_at  timestamptz NOT NULL DEFAULT now(),
      locked_until     timestamptz,
      last_attempt_at  timestamptz,
      replay           boolean NOT NULL DEFAULT false,
      created_at       timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at, id) WHERE status = 'pending';
    -- Per-message ordering: a delivery waits while an older one for the same endpoint and
    -- message is still pending.
    CREATE INDEX webhook_deliveries_order ON webhook_deliveries (endpoint_id, message_id, id)
      WHERE status = 'pending';
    CREATE INDEX webhook_deliveries_event ON webhook_deliveries (event_id);

    CREATE TABLE webhook_attempts (
      id                bigserial PRIMARY KEY,
      delivery_id       bigint NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
      endpoint_id       text NOT NULL,
      project_id        text NOT NULL,
      attempted_at      timestamptz NOT NULL DEFAULT now(),
      status_code       integer,
      latency_ms        integer NOT NULL,
      response_snippet  text,
      error             text
    );
    CREATE INDEX webhook_attempts_endpoint ON webhook_attempts (endpoint_id, id DESC);
    CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id, id);

    CREATE FUNCTION queue_webhook_deliveries() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO webhook_deliveries (endpoint_id, project_id, event_id, message_id, next_attempt_at)
      SELECT w.id, e.project_id, e.id, e.message_id, now()
      FROM new_events e
      JOIN webhook_endpoints w ON w.project_id = e.project_id AND w.enabled
        AND (cardinality(w.event_types) = 0 OR e.type = ANY (w.event_types))
      ORDER BY e.id;
      RETURN NULL;
    END $$;
    CREATE TRIGGER message_events_webhooks AFTER INSERT ON message_events
      REFERENCING NEW TABLE AS new_events
      FOR EACH STATEMENT EXECUTE FUNCTION queue_webhook_deliveries();
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TRIGGER message_events_webhooks ON message_events;
    DROP FUNCTION queue_webhook_deliveries();
    DROP TABLE webhook_attempts, webhook_deliveries, webhook_endpoints, suppression_audit, settings;
    DROP INDEX message_events_project;
    DROP INDEX suppressions_project_created;
    ALTER TABLE suppressions DROP COLUMN message_id, DROP COLUMN created_by;
    ALTER TABLE messages DROP COLUMN track_opens, DROP COLUMN track_clicks, DROP COLUMN open_count,
      DROP COLUMN click_count, DROP COLUMN machine_open_count, DROP COLUMN machine_click_count,
      DROP COLUMN first_opened_at, DROP COLUMN first_clicked_at;
    ALTER TABLE projects DROP COLUMN track_opens, DROP COLUMN track_clicks,
      DROP COLUMN soft_bounce_limit, DROP COLUMN soft_bounce_days;
  `.execute(db);
}
