// SMS and WhatsApp beside email. Messages gain what those channels need (the SMS encoding and
// segment count, a validity limit, the WhatsApp template payload; the sender becomes optional
// because SMS and WhatsApp providers have their own). Providers get a priority order, a rate
// limit and an on/off switch. Provider message ids get a table of their own: an SMS sent in
// three segments has three ids at Vonage or an SMSC, and receipts come per segment. WhatsApp
// needs the approved templates (synced from Meta) and, per contact, when they last wrote
// (free-form text is allowed only within 24 hours of that).
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE projects ADD COLUMN default_region text;

    ALTER TABLE messages ALTER COLUMN from_address DROP NOT NULL,
      ADD COLUMN encoding text,
      ADD COLUMN segments smallint,
      ADD COLUMN valid_until timestamptz,
      ADD COLUMN payload jsonb;

    ALTER TABLE provider_configs ADD COLUMN enabled boolean NOT NULL DEFAULT true,
      ADD COLUMN rate_limit real,
      ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
    CREATE INDEX provider_configs_project_channel ON provider_configs (project_id, channel, position);

    -- Every id a provider gave for a message (one per SMS segment where the provider counts
    -- them), with the last status it reported for that id.
    CREATE TABLE provider_message_refs (
      provider_id  text NOT NULL,
      ref          text NOT NULL,
      message_id   text NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
      project_id   text NOT NULL,
      segment      smallint NOT NULL DEFAULT 1,
      segments     smallint NOT NULL DEFAULT 1,
      status       text,
      updated_at   timestamptz,
      PRIMARY KEY (provider_id, ref)
    );
    CREATE INDEX provider_message_refs_message ON provider_message_refs (message_id);

    CREATE TABLE whatsapp_templates (
      provider_id  text NOT NULL REFERENCES provider_configs(id) ON DELETE CASCADE,
      project_id   text NOT NULL,
      name         text NOT NULL,
      language     text NOT NULL,
      status       text NOT NULL,
      category     text,
      parameters   jsonb NOT NULL,
      components   jsonb NOT NULL,
      synced_at    timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (provider_id, name, language)
    );

    CREATE TABLE whatsapp_contacts (
      project_id       text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      phone            text NOT NULL,
      last_inbound_at  timestamptz,
      opted_out_at     timestamptz,
      PRIMARY KEY (project_id, phone)
    );
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE whatsapp_contacts, whatsapp_templates, provider_message_refs;
    DROP INDEX provider_configs_project_channel;
    ALTER TABLE provider_configs DROP COLUMN enabled, DROP COLUMN rate_limit, DROP COLUMN updated_at;
    ALTER TABLE messages DROP COLUMN encoding, DROP COLUMN segments, DROP COLUMN valid_until,
      DROP COLUMN payload;
    ALTER TABLE projects DROP COLUMN default_region;
  `.execute(db);
}
