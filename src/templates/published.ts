// Templates as sends use them: the latest published version (or the one named), its layout's
// latest published version, the locale chosen for the recipient, compiled once per exact
// combination. A send costs one small query (version numbers); the content of a version is
// read once per process, since a published version never changes.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { channels } from '../vocabulary.ts';
import type { LayoutContent, TemplateContent, TemplateKind } from './content.ts';
import type { RenderEnvironment } from './liquid.ts';
import { resolveLocale } from './locale.ts';
import type { Channel, RenderedTemplate } from './render.ts';
import { getVersion } from './store.ts';
import { type CompileSource, TemplateRenderer } from './work.ts';

export interface TemplateRef {
  key: string;
  version?: number;
}

export interface RenderRequest extends TemplateRef {
  locale?: string;
  timezone?: string;
  data: Record<string, unknown>;
  /** The channels to render, or a choice made from those the chosen locale has. */
  channels: readonly Channel[] | ((available: Channel[]) => readonly Channel[]);
}

export interface PublishedRender {
  rendered: RenderedTemplate;
  version: number;
  locale: string;
  category: TemplateContent['category'];
  /** Seconds a message of this template is worth sending; null: no limit of its own. */
  validFor: number | null;
  tracking: { opens?: boolean; clicks?: boolean } | null;
  bypassBounceSuppression: boolean;
}

/** A template or layout row as sends see it. */
interface Published {
  version: number | null;
  createdAt: Date;
}

/**
 * Names one published version for the caches. The row's creation time is part of it: a key
 * deleted and created again starts at version 1 with other content.
 */
export function versionId(key: string, item: { createdAt: Date }, version: number): string {
  return `${key}#${item.createdAt.getTime()}@${version}`;
}

const contents = new Map<string, Promise<TemplateContent | LayoutContent>>();

function versionContent(
  db: Kysely<Database>,
  projectId: string,
  kind: TemplateKind,
  key: string,
  item: Published,
  version: number,
) {
  const id = `${projectId}/${kind}/${versionId(key, item, version)}`;
  let content = contents.get(id);
  if (!content) {
    content = getVersion(db, projectId, kind, key, version).then((v) => v.content);
    content.catch(() => contents.delete(id));
    if (contents.size > 5000) contents.delete(contents.keys().next().value as string);
    contents.set(id, content);
  }
  return content;
}

/** Looks up, for one project, the published versions a set of sends needs (one query). */
export async function loadPublished(
  db: Kysely<Database>,
  projectId: string,
  refs: TemplateRef[],
): Promise<PublishedTemplates> {
  const keys = [...new Set(refs.map((r) => r.key))];
  const rows =
    keys.length === 0
      ? []
      : await db
          .selectFrom('templates')
          .select(['kind', 'key', 'latest_version', 'created_at'])
          .select((eb) =>
            eb
              .selectFrom('projects')
              .select('default_locale')
              .where('id', '=', projectId)
              .as('default_locale'),
          )
          .where('project_id', '=', projectId)
          .where((eb) => eb.or([eb('kind', '=', 'layout'), eb('key', 'in', keys)]))
          .execute();
  const latest = new Map(
    rows.map((r) => [`${r.kind}/${r.key}`, { version: r.latest_version, createdAt: r.created_at }]),
  );
  return new PublishedTemplates(db, projectId, latest, rows[0]?.default_locale ?? 'en');
}

export class PublishedTemplates {
  /** One request's renders, sent to the template threads together under one time budget. */
  private readonly renderer = new TemplateRenderer('template');

  constructor(
    private readonly db: Kysely<Database>,
    private readonly projectId: string,
    private readonly latest: Map<string, Published>,
    readonly defaultLocale: string,
  ) {}

  /** Renders one send; errors are ApiErrors about the template, version or data. */
  async render(request: RenderRequest): Promise<PublishedRender> {
    const { key } = request;
    const item = this.latest.get(`template/${key}`);
    if (!item) throw new ApiError('template_not_found', `No template has the key "${key}".`, 'template');
    const version = request.version ?? item.version;
    if (version == null) {
      throw new ApiError(
        'template_not_published',
        `The template "${key}" has no published version yet: publish it first.`,
        'template',
      );
    }
    let content: TemplateContent;
    try {
      content = (await versionContent(
        this.db,
        this.projectId,
        'template',
        key,
        item,
        version,
      )) as TemplateContent;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'version_not_found') {
        throw new ApiError('version_not_found', err.message, 'templateVersion');
      }
      throw err;
    }
    const locale = resolveLocale(request.locale, Object.keys(content.locales), this.defaultLocale);
    let layout: { id: string; content: LayoutContent } | undefined;
    if (content.layout !== null) {
      const layoutItem = this.latest.get(`layout/${content.layout}`);
      const layoutVersion = layoutItem?.version;
      if (!layoutItem || layoutVersion == null) {
        throw new ApiError(
          'layout_not_published',
          `The layout "${content.layout}" has no published version.`,
          'template',
        );
      }
      layout = {
        id: versionId(content.layout, layoutItem, layoutVersion),
        content: (await versionContent(
          this.db,
          this.projectId,
          'layout',
          content.layout,
          layoutItem,
          layoutVersion,
        )) as LayoutContent,
      };
    }
    const source = compileSource(
      `${this.projectId}/${versionId(key, item, version)}/${layout?.id ?? ''}`,
      content,
      layout?.content,
      locale,
      this.defaultLocale,
    );
    const available = channelsOf(content, locale);
    const channels = typeof request.channels === 'function' ? request.channels(available) : request.channels;
    const missing = channels.find((c) => !available.includes(c));
    if (missing) {
      throw new ApiError(
        'template_channel_missing',
        `The template "${key}" has no ${missing} content in "${locale}".`,
        'template',
      );
    }
    const environment: RenderEnvironment = { locale, timezone: request.timezone ?? 'UTC' };
    return {
      rendered: await this.renderer.render(source, { data: request.data, environment, channels }),
      version,
      locale,
      category: content.category,
      validFor: content.validFor ?? null,
      tracking: content.tracking ?? null,
      bypassBounceSuppression: content.bypassBounceSuppression ?? false,
    };
  }
}

/** The channels a locale of `content` has content for (what its compiled form will have). */
function channelsOf(content: TemplateContent, locale: string): Channel[] {
  const parts = content.locales[locale];
  return channels.filter((c) => parts?.[c] !== undefined);
}

/**
 * What compiles one locale of `content` (a version or a draft), cached under `id` in the
 * template threads. The layout's locale is chosen the same way as the template's: the
 * locale, its parents, the project's.
 */
export function compileSource(
  id: string,
  content: TemplateContent,
  layout: LayoutContent | undefined,
  locale: string,
  defaultLocale: string,
): CompileSource {
  return {
    cacheId: `${id}/${locale}/${defaultLocale}`,
    input: () => {
      const email = layout?.locales[resolveLocale(locale, Object.keys(layout.locales), defaultLocale)]?.email;
      return {
        content: content.locales[locale] as TemplateContent['locales'][string],
        ...(email ? { layout: email } : {}),
        path: `locales.${locale}`,
      };
    },
  };
}
