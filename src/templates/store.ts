// Stored templates, minimal form: one current version per key. The templates issue replaces
// this with drafts, published immutable versions, locales and layouts.
import type { Kysely, Selectable } from 'kysely';
import type { Database, TemplatesTable } from '../db/index.ts';
import { parseTemplate, type TemplateSource } from './render.ts';

export interface TemplateInput {
  subject: string;
  html?: string | null;
  text?: string | null;
}

export interface StoredTemplate {
  key: string;
  subject: string;
  html: string | null;
  text: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** Creates or replaces a template after checking that every part parses. */
export async function putTemplate(
  db: Kysely<Database>,
  projectId: string,
  key: string,
  input: TemplateInput,
): Promise<StoredTemplate> {
  parseTemplate({ key, subject: input.subject, html: input.html ?? null, text: input.text ?? null });
  const now = new Date();
  const row = await db
    .insertInto('templates')
    .values({
      project_id: projectId,
      key,
      subject: input.subject,
      html: input.html ?? null,
      text_body: input.text ?? null,
      updated_at: now,
    })
    .onConflict((oc) =>
      oc.columns(['project_id', 'key']).doUpdateSet({
        subject: input.subject,
        html: input.html ?? null,
        text_body: input.text ?? null,
        updated_at: now,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return toTemplate(row);
}

export async function getTemplate(db: Kysely<Database>, projectId: string, key: string) {
  const row = await db
    .selectFrom('templates')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('key', '=', key)
    .executeTakeFirst();
  return row && toTemplate(row);
}

export async function listTemplates(db: Kysely<Database>, projectId: string): Promise<StoredTemplate[]> {
  const rows = await db
    .selectFrom('templates')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy('key')
    .execute();
  return rows.map(toTemplate);
}

/** The render source for the given keys, one query for a whole batch. */
export async function loadTemplateSources(
  db: Kysely<Database>,
  projectId: string,
  keys: string[],
): Promise<Map<string, TemplateSource>> {
  if (keys.length === 0) return new Map();
  const rows = await db
    .selectFrom('templates')
    .selectAll()
    .where('project_id', '=', projectId)
    .where('key', 'in', keys)
    .execute();
  return new Map(
    rows.map((r) => [
      r.key,
      {
        key: `${projectId}/${r.key}`,
        version: r.updated_at.toISOString(),
        subject: r.subject,
        html: r.html,
        text: r.text_body,
      },
    ]),
  );
}

function toTemplate(row: Selectable<TemplatesTable>): StoredTemplate {
  return {
    key: row.key,
    subject: row.subject,
    html: row.html,
    text: row.text_body,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
