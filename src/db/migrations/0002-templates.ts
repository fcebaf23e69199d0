// Templates and layouts with drafts and immutable published versions, per-locale content,
// stored sample data; the project's default locale; and, on each message, the template
// version and locale it was rendered with. Templates of the foundation's minimal form become
// version 1 of a template with one English email.
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE projects ADD COLUMN default_locale text NOT NULL DEFAULT 'en';
    ALTER TABLE messages ADD COLUMN template_version integer, ADD COLUMN locale text;
    ALTER TABLE templates RENAME TO templates_foundation;

    -- kind 'template' or 'layout': both are versioned the same way. The draft is what edits
    -- change; published versions are what sends use.
    CREATE TABLE templates (
      project_id      text NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
      kind            text NOT NULL CHECK (kind IN ('template', 'layout')),
      key             text NOT NULL,
      draft           jsonb NOT NULL,
      sample_data     jsonb NOT NULL DEFAULT '{}',
      latest_version  integer,
      created_at      timestamptz NOT NULL DEFAULT now(),
      updated_at      timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, kind, key)
    );

    CREATE TABLE template_versions (
      project_id     text NOT NULL,
      kind           text NOT NULL,
      key            text NOT NULL,
      version        integer NOT NULL,
      content        jsonb NOT NULL,
      restored_from  integer,
      published_at   timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (project_id, kind, key, version),
      FOREIGN KEY (project_id, kind, key) REFERENCES templates ON DELETE CASCADE
    );

    -- A published version never changes: what was sent can always be shown as it was.
    CREATE FUNCTION template_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'published template versions are immutable' USING ERRCODE = 'restrict_violation';
    END $$;
    CREATE TRIGGER template_versions_immutable BEFORE UPDATE ON template_versions
      FOR EACH ROW EXECUTE FUNCTION template_versions_immutable();

    INSERT INTO templates (project_id, kind, key, draft, latest_version, created_at, updated_at)
    SELECT project_id, 'template', key, content, 1, created_at, updated_at
    FROM (
      SELECT t.*, jsonb_build_object(
        'name', t.key, 'category', 'transactional', 'layout', null,
        'locales', jsonb_build_object('en', jsonb_build_object('email', jsonb_strip_nulls(
          jsonb_build_object('subject', t.subject, 'html', t.html, 'text', t.text_body))))) AS content
      FROM templates_foundation t
    ) f;
    INSERT INTO template_versions (project_id, kind, key, version, content, published_at)
    SELECT project_id, kind, key, 1, draft, updated_at FROM templates WHERE kind = 'template';
    DROP TABLE templates_foundation;
  `.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`
    DROP TABLE template_versions, templates;
    DROP FUNCTION template_versions_immutable();
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
    ALTER TABLE messages DROP COLUMN template_version, DROP COLUMN locale;
    ALTER TABLE projects DROP COLUMN default_locale;
  `.execute(db);
}
