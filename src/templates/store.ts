// Stored templates and layouts: a draft that edits change, and published versions that never
// change (a trigger refuses updates). Publishing freezes the draft as version N+1 after it
// compiles in every locale; rolling back publishes an older version's content again as N+1,
// so the history only grows and "the latest published version" is always what sends use.
import { type Kysely, type Selectable, sql } from 'kysely';
import type { Database, TemplatesTable, TemplateVersionsTable } from '../db/index.ts';
import { ApiError, type ErrorBody } from '../errors/index.ts';
import type { Content, LayoutContent, TemplateContent, TemplateKind } from './content.ts';
import { resolveLocale } from './locale.ts';
import { checkCompiles, validateContent } from './work.ts';

export interface StoredTemplate<K extends TemplateKind = TemplateKind> {
  kind: K;
  key: string;
  draft: Content<K>;
  sampleData: Record<string, unknown>;
  latestVersion: number | null;
  /** The draft differs from the latest published version (or nothing is published). */
  unpublishedChanges: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export interface TemplateVersion<K extends TemplateKind = TemplateKind> {
  kind: K;
  key: string;
  version: number;
  content: Content<K>;
  restoredFrom: number | null;
  publishedAt: Date;
}

/** The rows of one template or layout, in `templates` or `template_versions` (primary key prefix). */
const sameItem = (projectId: string, kind: TemplateKind, key: string) =>
  sql<boolean>`(project_id, kind, key) = (${projectId}, ${kind}, ${key})`;

const noun = (kind: TemplateKind) => (kind === 'template' ? 'template' : 'layout');

function notFound(kind: TemplateKind, key: string): ApiError {
  return new ApiError('not_found', `No ${noun(kind)} has the key "${key}".`, 'key');
}

/** Syntax problems of the content; for a template, also a layout that does not exist. */
async function contentIssues<K extends TemplateKind>(
  db: Kysely<Database>,
  projectId: string,
  kind: K,
  content: Content<K>,
): Promise<ErrorBody[]> {
  const issues = await validateContent(kind, content);
  if (kind === 'layout') return issues;
  const template = content as TemplateContent;
  if (template.layout !== null) {
    const layout = await findTemplate(db, projectId, 'layout', template.layout);
    if (!layout) {
      issues.push({
        code: 'layout_not_found',
        message: `No layout has the key "${template.layout}".`,
        path: 'layout',
      });
    } else {
      issues.push(...layoutMismatch(template, layout.draft));
    }
  }
  return issues;
}

/** An MJML template needs an MJML layout, an HTML template an HTML layout, in every locale. */
function layoutMismatch(template: TemplateContent, layout: LayoutContent): ErrorBody[] {
  const issues: ErrorBody[] = [];
  const layoutKinds = new Set(
    Object.values(layout.locales).map((l) => (l.email.mjml !== undefined ? 'mjml' : 'html')),
  );
  for (const [locale, { email }] of Object.entries(template.locales)) {
    const kind = email?.mjml !== undefined ? 'mjml' : email?.html !== undefined ? 'html' : undefined;
    if (kind && !layoutKinds.has(kind)) {
      issues.push({
        code: 'layout_mismatch',
        message: `The layout "${template.layout}" is not written in ${kind.toUpperCase()}; the template's ${kind} needs one that is.`,
        path: `locales.${locale}.email.${kind}`,
      });
    }
  }
  return issues;
}

export interface SaveOptions {
  /** Replaces the stored sample data (templates only); kept when missing. */
  sampleData?: Record<string, unknown> | undefined;
  /** Refuse with template_exists instead of replacing an existing draft. */
  createOnly?: boolean;
}

/** Creates or replaces the draft after checking it; returns whether it was created. */
export async function saveDraft<K extends TemplateKind>(
  db: Kysely<Database>,
  projectId: string,
  kind: K,
  key: string,
  content: Content<K>,
  options: SaveOptions = {},
): Promise<{ template: StoredTemplate<K>; created: boolean }> {
  const issues = await contentIssues(db, projectId, kind, content);
  if (issues.length > 0) throw ApiError.of(issues);
  const { sampleData, createOnly = false } = options;
  const now = new Date();
  const row = await db
    .insertInto('templates')
    .values({
      project_id: projectId,
      kind,
      key,
      draft: JSON.stringify(content),
      sample_data: JSON.stringify(sampleData ?? {}),
      updated_at: now,
    })
    .onConflict((oc) => {
      const target = oc.columns(['project_id', 'kind', 'key']);
      if (createOnly) return target.doNothing();
      return target.doUpdateSet({
        draft: JSON.stringify(content),
        ...(sampleData !== undefined ? { sample_data: JSON.stringify(sampleData) } : {}),
        updated_at: now,
      });
    })
    .returning(sql<boolean>`xmax = 0`.as('inserted'))
    .executeTakeFirst();
  if (!row)
    throw new ApiError('template_exists', `A ${noun(kind)} with the key "${key}" exists already.`, 'key');
  return { template: await getTemplate(db, projectId, kind, key), created: row.inserted };
}

/** The templates rows with `unpublished`: jsonb equality ignores key order and spacing. */
function selectTemplates(db: Kysely<Database>) {
  return db
    .selectFrom('templates as t')
    .selectAll('t')
    .select(
      sql<boolean>`t.draft IS DISTINCT FROM (SELECT v.content FROM template_versions v
        WHERE v.project_id = t.project_id AND v.kind = t.kind AND v.key = t.key AND v.version = t.latest_version)`.as(
        'unpublished',
      ),
    );
}

export async function findTemplate<K extends TemplateKind>(
  db: Kysely<Database>,
  projectId: string,
  kind: K,
  key: string,
): Promise<StoredTemplate<K> | undefined> {
  const row = await selectTemplates(db)
    .where(sameItem(projectId, kind, key))
    .executeTakeFirst();
  return row && (toStored(row) as StoredTemplate<K>);
}

export async function getTemplate<K extends TemplateKind>(
  db: Kysely<Database>,
  projectId: string,
  kind: K,
  key: string,
): Promise<StoredTemplate<K>> {
  const template = await findTemplate(db, projectId, kind, key);
  if (!template) throw notFound(kind, key);
  return template;
}

export async function listTemplates<K extends TemplateKind>(
  db: Kysely<Database>,
  projectId: string,
  kind: K,
): Promise<StoredTemplate<K>[]> {
  const rows = await selectTemplates(db)
    .where('project_id', '=', projectId)
    .where('kind', '=', kind)
    .orderBy('key')
    .execute();
  return rows.map((r) => toStored(r) as StoredTemplate<K>);
}

/** Deletes a template or layout with its versions. A layout still used cannot go. */
export async function deleteTemplate(
  db: Kysely<Database>,
  projectId: string,
  kind: TemplateKind,
  key: string,
) {
  if (kind === 'layout') {
    const users = await db
      .selectFrom('templates')
      .select('key')
      .where('project_id', '=', projectId)
      .where('kind', '=', 'template')
      .where(sql<boolean>`draft->>'layout' = ${key}`)
      .orderBy('key')
      .execute();
    if (users.length > 0) {
      throw new ApiError(
        'layout_in_use',
        `The layout "${key}" is used by: ${users.map((u) => u.key).join(', ')}. Change their layout first.`,
        'key',
      );
    }
  }
  const result = await db
    .deleteFrom('templates')
    .where(sameItem(projectId, kind, key))
    .executeTakeFirst();
  if (result.numDeletedRows === 0n) throw notFound(kind, key);
}

/** Replaces the stored sample data (previews use it when a render gives no data). */
export async function saveSampleData(
  db: Kysely<Database>,
  projectId: string,
  key: string,
  sampleData: Record<string, unknown>,
): Promise<void> {
  const result = await db
    .updateTable('templates')
    .set({ sample_data: JSON.stringify(sampleData), updated_at: new Date() })
    .where(sameItem(projectId, 'template', key))
    .executeTakeFirst();
  if (result.numUpdatedRows === 0n) throw notFound('template', key);
}

/**
 * Publishes the draft (or, for a rollback, the content of version `from`) as the next version.
 * The row lock makes concurrent publishes take numbers one after the other.
 */
export async function publishTemplate<K extends TemplateKind>(
  db: Kysely<Database>,
  projectId: string,
  kind: K,
  key: string,
  from?: number,
): Promise<TemplateVersion<K>> {
  // Inside a caller's transaction (a folder push) or in one of its own.
  const inTransaction = <T>(work: (trx: Kysely<Database>) => Promise<T>) =>
    db.isTransaction ? work(db) : db.transaction().execute(work);
  return inTransaction(async (trx) => {
    const row = await trx
      .selectFrom('templates')
      .selectAll()
      .where(sameItem(projectId, kind, key))
      .forUpdate()
      .executeTakeFirst();
    if (!row) throw notFound(kind, key);
    const content = (
      from === undefined ? row.draft : (await getVersion(trx, projectId, kind, key, from)).content
    ) as Content<K>;
    await checkPublishable(trx, projectId, kind, content);
    const version = (row.latest_version ?? 0) + 1;
    const inserted = await trx
      .insertInto('template_versions')
      .values({
        project_id: projectId,
        kind,
        key,
        version,
        content: JSON.stringify(content),
        restored_from: from ?? null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await trx
      .updateTable('templates')
      .set({ latest_version: version })
      .where(sameItem(projectId, kind, key))
      .execute();
    return toVersion(inserted) as TemplateVersion<K>;
  });
}

/** A template publishes only with a published layout, and only if every locale compiles. */
async function checkPublishable(
  trx: Kysely<Database>,
  projectId: string,
  kind: TemplateKind,
  content: Content<TemplateKind>,
) {
  const issues = await contentIssues(trx, projectId, kind, content);
  if (issues.length > 0) throw ApiError.of(issues);
  if (kind === 'layout') return;
  const template = content as TemplateContent;
  let layout: LayoutContent | undefined;
  if (template.layout !== null) {
    const latest = await latestVersion(trx, projectId, 'layout', template.layout);
    if (!latest) {
      throw new ApiError('layout_not_published', `Publish the layout "${template.layout}" first.`, 'layout');
    }
    layout = latest.content;
  }
  for (const [locale, localeContent] of Object.entries(template.locales)) {
    const email = layout?.locales[resolveLocale(locale, Object.keys(layout.locales))]?.email;
    await checkCompiles({
      content: localeContent,
      ...(email ? { layout: email } : {}),
      path: `locales.${locale}`,
    });
  }
}

export async function listVersions<K extends TemplateKind>(
  db: Kysely<Database>,
  projectId: string,
  kind: K,
  key: string,
): Promise<TemplateVersion<K>[]> {
  await getTemplate(db, projectId, kind, key);
  const rows = await db
    .selectFrom('template_versions')
    .selectAll()
    .where(sameItem(projectId, kind, key))
    .orderBy('version', 'desc')
    .execute();
  return rows.map((r) => toVersion(r) as TemplateVersion<K>);
}

export async function getVersion<K extends TemplateKind>(
  db: Kysely<Database>,
  projectId: string,
  kind: K,
  key: string,
  version: number,
): Promise<TemplateVersion<K>> {
  const row = await db
    .selectFrom('template_versions')
    .selectAll()
    .where(sameItem(projectId, kind, key))
    .where('version', '=', version)
    .executeTakeFirst();
  if (!row) {
    await getTemplate(db, projectId, kind, key);
    throw new ApiError(
      'version_not_found',
      `The ${noun(kind)} "${key}" has no version ${version}.`,
      'version',
    );
  }
  return toVersion(row) as TemplateVersion<K>;
}

async function latestVersion<K extends TemplateKind>(
  db: Kysely<Database>,
  projectId: string,
  kind: K,
  key: string,
): Promise<TemplateVersion<K> | undefined> {
  const row = await db
    .selectFrom('template_versions')
    .selectAll()
    .where(sameItem(projectId, kind, key))
    .orderBy('version', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && (toVersion(row) as TemplateVersion<K>);
}

function toStored(row: Selectable<TemplatesTable> & { unpublished: boolean }): StoredTemplate {
  return {
    unpublishedChanges: row.unpublished,
    kind: row.kind,
    key: row.key,
    draft: row.draft as Content<TemplateKind>,
    sampleData: row.sample_data,
    latestVersion: row.latest_version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toVersion(row: Selectable<TemplateVersionsTable>): TemplateVersion {
  return {
    kind: row.kind,
    key: row.key,
    version: row.version,
    content: row.content as Content<TemplateKind>,
    restoredFrom: row.restored_from,
    publishedAt: row.published_at,
  };
}
