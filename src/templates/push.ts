// Pushing a template folder into a project: every layout and template is saved as a draft in
// ONE transaction, with the same checks as the API; if anything is wrong, all problems are
// reported and nothing changes. The result says what was created, changed (which fields) and
// left as it was. With `publish`, changed items are published too, layouts first.
import { isDeepStrictEqual } from 'node:util';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { ApiError, type ErrorBody } from '../errors/index.ts';
import type { TemplateKind } from './content.ts';
import type { TemplateFolder } from './folder.ts';
import { listTemplates, publishTemplate, saveDraft } from './store.ts';

export interface PushChange {
  kind: TemplateKind;
  key: string;
  change: 'created' | 'updated' | 'unchanged';
  /** For updates: the fields that differ, e.g. `locales.es.email.mjml`, `sampleData`. */
  fields: string[];
  /** The version published by this push, if any. */
  published?: number;
}

export interface PushOptions {
  publish?: boolean;
  /** Check and compute the changes, then roll back. */
  dryRun?: boolean;
}

/** Leaf paths where `a` and `b` differ (key order does not count: jsonb does not keep it). */
function changedFields(a: unknown, b: unknown, path = ''): string[] {
  if (isDeepStrictEqual(a, b)) return [];
  const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (!isObject(a) || !isObject(b)) return [path || '(all)'];
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort();
  return keys.flatMap((k) => changedFields(ra[k], rb[k], path ? `${path}.${k}` : k));
}

class RollBack extends Error {}

export async function pushTemplateFolder(
  db: Kysely<Database>,
  projectId: string,
  folder: TemplateFolder,
  options: PushOptions = {},
): Promise<PushChange[]> {
  let changes: PushChange[] = [];
  try {
    await db.transaction().execute(async (trx) => {
      changes = await pushIn(trx, projectId, folder, options);
      if (options.dryRun) throw new RollBack();
    });
  } catch (err) {
    if (!(err instanceof RollBack)) throw err;
  }
  return changes;
}

async function pushIn(
  trx: Kysely<Database>,
  projectId: string,
  folder: TemplateFolder,
  options: PushOptions,
) {
  const current = new Map<string, { draft: unknown; sampleData: unknown; unpublished: boolean }>();
  for (const kind of ['layout', 'template'] as const) {
    for (const t of await listTemplates(trx, projectId, kind)) {
      current.set(`${kind}/${t.key}`, {
        draft: t.draft,
        sampleData: t.sampleData,
        unpublished: t.unpublishedChanges,
      });
    }
  }
  const items = [
    ...folder.layouts.map((l) => ({
      kind: 'layout' as const,
      key: l.key,
      content: l.content,
      sampleData: undefined,
    })),
    ...folder.templates.map((t) => ({ kind: 'template' as const, ...t })),
  ];
  const changes: PushChange[] = [];
  const problems: ErrorBody[] = [];
  for (const item of items) {
    const before = current.get(`${item.kind}/${item.key}`);
    const fields = before
      ? [
          ...changedFields(before.draft, item.content),
          ...(item.sampleData !== undefined && changedFields(before.sampleData, item.sampleData).length > 0
            ? ['sampleData']
            : []),
        ]
      : [];
    const change: PushChange = {
      kind: item.kind,
      key: item.key,
      change: !before ? 'created' : fields.length > 0 ? 'updated' : 'unchanged',
      fields,
    };
    changes.push(change);
    if (change.change === 'unchanged') continue;
    try {
      await saveDraft(trx, projectId, item.kind, item.key, item.content, { sampleData: item.sampleData });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      const at = `${item.kind}s/${item.key}`;
      for (const d of err.details ?? [err.toBody().error])
        problems.push({ ...d, path: d.path ? `${at}: ${d.path}` : at });
    }
  }
  if (problems.length > 0) throw ApiError.of(problems);
  if (options.publish) {
    for (const change of changes) {
      const pending =
        change.change !== 'unchanged' || current.get(`${change.kind}/${change.key}`)?.unpublished;
      if (pending)
        change.published = (await publishTemplate(trx, projectId, change.kind, change.key)).version;
    }
  }
  return changes;
}
