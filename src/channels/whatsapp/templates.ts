// The message templates of a WhatsApp Business Account as Meta lists them, page by page, with
// the number of positional parameters each part takes, so Aviso can refuse a send whose
// parameters do not fit before WhatsApp does (132000). Reads only; it never edits templates.
import type { DestinationPolicy } from '../../net/index.ts';
import { PermanentError } from '../index.ts';
import { graphUrl, requestGraph } from './graph-request.ts';

/** A template component as Meta lists it; members Aviso does not read are kept as they are. */
export interface TemplateComponent {
  type: string;
  /** HEADER only: TEXT, IMAGE, VIDEO, DOCUMENT, LOCATION. */
  format?: string;
  text?: string;
  /** BUTTONS only. */
  buttons?: { type: string; text?: string; url?: string; [field: string]: unknown }[];
  [field: string]: unknown;
}

export interface TemplateParameterCounts {
  header: number;
  body: number;
  buttons: number;
}

export interface WhatsAppTemplate {
  name: string;
  /** Meta's language code: "en", "es_MX". */
  language: string;
  /** APPROVED, PENDING, REJECTED, PAUSED, DISABLED, … */
  status: string;
  /** UTILITY, AUTHENTICATION, MARKETING. */
  category: string;
  components: TemplateComponent[];
  parameters: TemplateParameterCounts;
}

export interface FetchTemplatesOptions {
  /** Default https://graph.facebook.com. */
  baseUrl?: string;
  /** What baseUrl may resolve to (the destination guard). */
  destinations: DestinationPolicy;
  /** Default v21.0. */
  apiVersion?: string;
  /** The WhatsApp Business Account id (not the phone number id). */
  wabaId: string;
  accessToken: string;
  /** Per page request; default 15 000. */
  timeoutMs?: number;
  /** Templates asked for per page (`limit`); default 100. */
  pageSize?: number;
}

/** Far more than any account has (Meta allows 250 templates, or 6 000 verified). */
const maxPages = 1_000;

/** The highest `{{n}}` in a text: Meta's positional parameters are numbered from 1 without gaps. */
function highestPlaceholder(text: string | undefined): number {
  let highest = 0;
  for (const m of (text ?? '').matchAll(/\{\{\s*(\d+)\s*\}\}/g)) highest = Math.max(highest, Number(m[1]));
  return highest;
}

const mediaHeaders = new Set(['IMAGE', 'VIDEO', 'DOCUMENT', 'LOCATION']);

/**
 * How many parameters a send must give each part of the template:
 * - header: the highest `{{n}}` of a TEXT header (0 or 1); an IMAGE, VIDEO, DOCUMENT or
 *   LOCATION header counts 1, whatever its text: the send gives one parameter of that type,
 *   not text (`{"type": "document", "document": {"link": …}}`), so header 1 means "one
 *   parameter" and the template's `format` says which kind.
 * - body: the highest `{{n}}` of the BODY text.
 * - buttons: the URL buttons whose `url` has `{{1}}` (each takes one text parameter, the
 *   URL's dynamic suffix, sent as a `button` component with `sub_type: "url"` and its index).
 *   One-time-password buttons (type OTP: copy code, one tap) count one each as well: the send
 *   gives the code as that button's `url` parameter, as Meta documents for authentication
 *   templates. Quick replies, phone numbers and static URLs take none. Named parameters (`{{first_name}}`) are not counted either:
 *   Aviso sends positional ones only.
 */
export function countParameters(components: readonly TemplateComponent[]): TemplateParameterCounts {
  const counts: TemplateParameterCounts = { header: 0, body: 0, buttons: 0 };
  for (const component of components) {
    const type = component.type.toUpperCase();
    if (type === 'HEADER') {
      const format = String(component.format ?? 'TEXT').toUpperCase();
      counts.header = mediaHeaders.has(format) ? 1 : highestPlaceholder(component.text);
    } else if (type === 'BODY') {
      counts.body = highestPlaceholder(component.text);
    } else if (type === 'BUTTONS') {
      counts.buttons = (Array.isArray(component.buttons) ? component.buttons : []).filter(
        (b) =>
          typeof b?.type === 'string' &&
          (b.type.toUpperCase() === 'OTP' ||
            (b.type.toUpperCase() === 'URL' && /\{\{\s*1\s*\}\}/.test(b.url ?? ''))),
      ).length;
    }
  }
  return counts;
}

interface TemplatePage {
  data?: unknown[];
  paging?: { next?: unknown; cursors?: { after?: unknown } };
}

function templateOf(raw: unknown): WhatsAppTemplate | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const t = raw as Record<string, unknown>;
  if (typeof t.name !== 'string' || typeof t.language !== 'string') return null;
  const components = (Array.isArray(t.components) ? t.components : []).filter(
    (c): c is TemplateComponent =>
      typeof c === 'object' && c !== null && typeof (c as { type?: unknown }).type === 'string',
  );
  return {
    name: t.name,
    language: t.language,
    status: typeof t.status === 'string' ? t.status : 'UNKNOWN',
    category: typeof t.category === 'string' ? t.category : 'UNKNOWN',
    components,
    parameters: countParameters(components),
  };
}

/**
 * Every template of the account, following `paging.next` until a page has none. A `next` on
 * another origin than `baseUrl` is not followed (the token would go there): the `after`
 * cursor is asked for on `baseUrl` instead. Throws ProviderDownError for a refused token,
 * TransientError when Meta or the network fails, Error for anything else.
 */
export async function fetchTemplates(options: FetchTemplatesOptions): Promise<WhatsAppTemplate[]> {
  const first = graphUrl(
    options.baseUrl,
    options.apiVersion,
    `${encodeURIComponent(options.wabaId)}/message_templates`,
  );
  first.searchParams.set('limit', String(options.pageSize ?? 100));
  const templates: WhatsAppTemplate[] = [];
  const seen = new Set<string>();
  let url: URL | null = first;
  for (let page = 0; url && page < maxPages; page++) {
    if (seen.has(url.href)) throw new Error('WhatsApp template list: the paging goes round in circles');
    seen.add(url.href);
    let body: TemplatePage;
    try {
      body = (
        await requestGraph({
          method: 'GET',
          url: url.href,
          accessToken: options.accessToken,
          timeoutMs: options.timeoutMs,
          destinations: options.destinations,
        })
      ).body as TemplatePage;
    } catch (err) {
      // "Bounce" and "failure" are about messages; here it is just a refused request.
      if (err instanceof PermanentError) throw new Error(err.message, { cause: err });
      throw err;
    }
    for (const raw of Array.isArray(body.data) ? body.data : []) {
      const template = templateOf(raw);
      if (template) templates.push(template);
    }
    url = nextPage(first, body.paging);
  }
  // A partial list would make the sync drop templates that exist.
  if (url) throw new Error(`WhatsApp template list: more than ${maxPages} pages`);
  return templates;
}

function nextPage(first: URL, paging: TemplatePage['paging']): URL | null {
  if (typeof paging?.next !== 'string') return null;
  const next = URL.canParse(paging.next) ? new URL(paging.next) : null;
  if (next && next.origin === first.origin) return next;
  const after = paging.cursors?.after;
  if (typeof after !== 'string' || after === '') return null;
  const url = new URL(first);
  url.searchParams.set('after', after);
  return url;
}
