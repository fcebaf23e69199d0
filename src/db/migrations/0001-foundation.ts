// Foundation schema: projects and their keys, messages with their events, the delivery
// queue, idempotency keys, suppressions, providers, sending domains and minimal templates.
// Every table carries project_id so the data can later be sharded by project.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE projects (
      id          text PRIMARY KEY,
      name        text NOT NULL UNIQUE,
      is_default  boolean NOT NULL DEFAULT false,
      created_at  timestamptz NOT NULL DEFAULT now()
    );
    CREATE UNIQUE INDEX projects_one_default ON projects (is_default) WHERE is_default;

    CREATE TABLE api_keys (
      id           text PRIMARY KEY,
      project_id   text NOT NULL REFERENCES projects(id),
      name         text NOT NULL,
      -- SHA-256 of the whole key; the key itself is shown once and never stored.
      secret_hash  bytea NOT NULL UNIQUE,
      prefix       text NOT NULL,
      created_at   timestamptz NOT NULL DEFAULT now(),
      revoked_at   timestamptz
    );

    CREATE TABLE messages (
      id                   text PRIMARY KEY,
      project_id           text NOT NULL REFERENCES projects(id),
      channel              text NOT NULL,
      stream               text NOT NULL,
      priority             smallint NOT NULL,
      status               text NOT NULL,
      to_address           text NOT NULL,
      to_name              text,
      from_address         text NOT NULL,
      from_name            text,
      reply_to             jsonb,
      subject              text,
      html                 text,
      text_body            text,
      template             text,
      headers              jsonb NOT NULL DEFAULT '{}',
      tags                 text[] NOT NULL DEFAULT '{}',
      metadata             jsonb NOT NULL DEFAULT '{}',
      attachment_count     integer NOT NULL DEFAULT 0,
      send_at              timestamptz,
      message_id_header    text,
      provider             text,
      provider_message_id  text,
      attempts             integer NOT NULL DEFAULT 0,
      created_at           timestamptz NOT NULL DEFAULT now(),
      updated_at           timestamptz NOT NULL DEFAULT now()
    );
    -- Ids are time-ordered, so (project_id, id) serves listing newest first and cursors.
    CREATE INDEX messages_project_id ON messages (project_id, id DESC);
    CREATE INDEX messages_project_status ON messages (project_id, status, id DESC);
    CREATE INDEX messages_project_to ON messages (project_id, to_address, id DESC);
    CREATE INDEX messages_tags ON messages USING gin (tags);

    CREATE TABLE message_attachments (
      message_id    text NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      position      smallint NOT NULL,
      filename      text NOT NULL,
      content_type  text NOT NULL,
      content_id    text,
      content       bytea NOT NULL,
      PRIMARY KEY (message_id, position)
    );

    CREATE TABLE message_events (
      id          bigserial PRIMARY KEY,
      message_id  text NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      project_id  text NOT NULL,
      type        text NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
      details     jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX message_events_message ON message_events (message_id, id);

    -- The delivery queue. A row exists while a message still has to be sent; the worker
    -- deletes it in the same statement that records the outcome on the message.
    CREATE TABLE delivery_jobs (
      id            bigserial PRIMARY KEY,
      message_id    text NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
      project_id    text NOT NULL,
      priority      smallint NOT NULL,
      run_at        timestamptz NOT NULL,
      attempts      integer NOT NULL DEFAULT 0,
      locked_by     bigint,
      locked_until  timestamptz
    );
    -- Claim order: priority first, then due time. Only unlocked rows are candidates.
    CREATE INDEX delivery_jobs_claim ON delivery_jobs (priority, run_at, id) WHERE locked_by IS NULL;
    CREATE INDEX delivery_jobs_locked ON delivery_jobs (locked_by) WHERE locked_by IS NOT NULL;
    CREATE SEQUENCE worker_ids;

    CREATE TABLE captured_messages (
      message_id  text PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
      project_id  text NOT NULL,
      raw         bytea NOT NULL,
      created_at  timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE idempotency_keys (
      project_id    text NOT NULL REFERENCES projects(id),
      key           text NOT NULL,
      request_hash  text NOT NULL,
      status_code   integer,
      response      jsonb,
      created_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, key)
    );
    CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

    CREATE TABLE suppressions (
      project_id  text NOT NULL REFERENCES projects(id),
      stream      text NOT NULL,
      address     text NOT NULL,
      reason      text NOT NULL,
      details     jsonb NOT NULL DEFAULT '{}',
      created_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, stream, address)
    );

    CREATE TABLE provider_configs (
      id          text PRIMARY KEY,
      project_id  text NOT NULL REFERENCES projects(id),
      channel     text NOT NULL,
      type        text NOT NULL,
      name        text NOT NULL,
      position    integer NOT NULL DEFAULT 0,
      config      jsonb NOT NULL DEFAULT '{}',
      created_at  timestamptz NOT NULL DEFAULT now(),
      UNIQUE (project_id, name)
    );

    CREATE TABLE domains (
      id                text PRIMARY KEY,
      project_id        text NOT NULL REFERENCES projects(id),
      domain            text NOT NULL,
      dkim_selector     text NOT NULL,
      dkim_private_key  text NOT NULL,
      dkim_public_key   text NOT NULL,
      created_at        timestamptz NOT NULL DEFAULT now(),
      UNIQUE (project_id, domain)
    );

    CREATE TABLE templates (
      project_id  text NOT NULL REFERENCES projects(id),
      key         text NOT NULL,
      subject     text NOT NULL,
      html        text,
      text_body   text,
      created_at  timestamptz NOT NULL DEFAULT now(),
      updated_at  timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, key)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE templates, domains, provider_configs, suppressions, idempotency_keys,
      captured_messages, delivery_jobs, message_events, message_attachments, messages,
      api_keys, projects;
    DROP SEQUENCE worker_ids;
  `.execute(db);
}
