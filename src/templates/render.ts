// Minimal Liquid rendering for stored templates: strict variables (a missing value is an
// error, not an empty string), own properties only, HTML output escaped in the html part.
// Parsed templates are cached per version, so a send never parses again.
import { Liquid, type Template } from 'liquidjs';
import { ApiError } from '../errors/index.ts';

export interface TemplateSource {
  key: string;
  version: string;
  subject: string;
  html: string | null;
  text: string | null;
}

export interface RenderedContent {
  subject: string;
  html?: string;
  text?: string;
}

const options = {
  strictVariables: true,
  strictFilters: true,
  ownPropertyOnly: true,
  relativeReference: false,
} as const;
const plain = new Liquid(options);
const html = new Liquid({ ...options, outputEscape: 'escape' });

interface Parsed {
  subject: Template[];
  html?: Template[];
  text?: Template[];
}

const cache = new Map<string, Parsed>();

/** Parses a template's parts; throws template_invalid with the part and position. */
export function parseTemplate(source: Omit<TemplateSource, 'version'>): Parsed {
  const parse = (engine: Liquid, part: string, text: string) => {
    try {
      return engine.parse(text);
    } catch (err) {
      throw new ApiError('template_invalid', `${part}: ${(err as Error).message}`, part);
    }
  };
  return {
    subject: parse(plain, 'subject', source.subject),
    ...(source.html != null ? { html: parse(html, 'html', source.html) } : {}),
    ...(source.text != null ? { text: parse(plain, 'text', source.text) } : {}),
  };
}

export async function renderTemplate(
  source: TemplateSource,
  data: Record<string, unknown>,
): Promise<RenderedContent> {
  const id = `${source.key}@${source.version}`;
  let parsed = cache.get(id);
  if (!parsed) {
    parsed = parseTemplate(source);
    if (cache.size > 1000) cache.clear();
    cache.set(id, parsed);
  }
  const render = async (engine: Liquid, part: Template[] | undefined) => {
    if (!part) return undefined;
    try {
      return await engine.render(part, data);
    } catch (err) {
      throw renderError(err as Error);
    }
  };
  const subject = ((await render(plain, parsed.subject)) ?? '').replace(/[\r\n]+/g, ' ').trim();
  const out: RenderedContent = { subject };
  const h = await render(html, parsed.html);
  const t = await render(plain, parsed.text);
  if (h !== undefined) out.html = h;
  if (t !== undefined) out.text = t;
  return out;
}

function renderError(err: Error): ApiError {
  // liquidjs: "undefined variable: order.total, line:1, col:9"
  const missing = /undefined variable: ([^,]+)/.exec(err.message);
  if (missing) {
    const variable = (missing[1] as string).trim();
    return new ApiError(
      'template_variable_missing',
      `The data has no value for "${variable}".`,
      `data.${variable}`,
    );
  }
  return new ApiError('template_render_failed', err.message.split('\n')[0], 'data');
}
