// Previews: a template rendered without sending, from its draft (what an editor is working
// on, wrapped in the layout's draft too) or from a published version (what sends get), with
// the stored sample data when the request brings none.
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { channels } from '../vocabulary.ts';
import type { LayoutContent, TemplateContent } from './content.ts';
import { resolveLocale } from './locale.ts';
import { compileSource, versionId } from './published.ts';
import type { Channel, RenderedTemplate } from './render.ts';
import { findTemplate, getTemplate, getVersion } from './store.ts';
import { TemplateRenderer } from './work.ts';

export interface PreviewRequest {
  /** 'draft' (default) or a published version number. */
  version?: number | 'draft';
  locale?: string;
  timezone?: string;
  data?: Record<string, unknown>;
  channels?: readonly Channel[];
}

export interface Preview extends RenderedTemplate {
  key: string;
  version: number | 'draft';
  locale: string;
  category: TemplateContent['category'];
}

export async function previewTemplate(
  db: Kysely<Database>,
  projectId: string,
  key: string,
  request: PreviewRequest,
): Promise<Preview> {
  const stored = await getTemplate(db, projectId, 'template', key);
  const version = request.version ?? 'draft';
  const content =
    version === 'draft' ? stored.draft : (await getVersion(db, projectId, 'template', key, version)).content;
  const layout = await previewLayout(db, projectId, content.layout, version === 'draft');
  const defaultLocale = await db
    .selectFrom('projects')
    .select('default_locale')
    .where('id', '=', projectId)
    .executeTakeFirstOrThrow();
  const locale = resolveLocale(request.locale, Object.keys(content.locales), defaultLocale.default_locale);
  // Drafts change: they are cached by what they contain, versions by their number.
  const id =
    version === 'draft'
      ? `draft:${createHash('sha256')
          .update(JSON.stringify([content, layout ?? null]))
          .digest('base64url')}`
      : `${projectId}/${versionId(key, stored, version)}/${layout?.id ?? ''}`;
  const source = compileSource(id, content, layout?.content, locale, defaultLocale.default_locale);
  const rendered = await new TemplateRenderer().render(source, {
    data: request.data ?? stored.sampleData,
    environment: { locale, timezone: request.timezone ?? 'UTC' },
    channels: request.channels ?? [...channels],
  });
  return { key, version, locale, category: content.category, ...rendered };
}

/** For a draft, the layout's draft; for a version, the layout's latest published version. */
async function previewLayout(
  db: Kysely<Database>,
  projectId: string,
  key: string | null,
  draft: boolean,
): Promise<{ id: string; content: LayoutContent } | undefined> {
  if (key === null) return undefined;
  const layout = await findTemplate(db, projectId, 'layout', key);
  if (!layout) throw new ApiError('layout_not_found', `No layout has the key "${key}".`, 'layout');
  if (draft) return { id: 'draft', content: layout.draft };
  if (layout.latestVersion === null) {
    throw new ApiError('layout_not_published', `Publish the layout "${key}" first.`, 'layout');
  }
  const latest = await getVersion(db, projectId, 'layout', key, layout.latestVersion);
  return { id: versionId(key, layout, latest.version), content: latest.content };
}
