// Turns one locale of a template (and its layout) into parsed Liquid, ready to render many
// times: the layout wraps the content, MJML becomes responsive HTML, CSS of HTML templates is
// inlined, the text part is derived from the HTML when none is written, and every part is
// parsed once. Compiling is the costly step (MJML takes milliseconds), so results are kept
// per version: a send never compiles what it has compiled before.
import { convert } from 'html-to-text';
import juice from 'juice';
import type { Template } from 'liquidjs';
import mjml2html from 'mjml';
import type { LayoutEmail, LocaleContent } from './content.ts';
import { contentPlaceholder } from './content.ts';
import { htmlEngine, parseLiquid, textEngine } from './liquid.ts';

interface CompiledEmail {
  subject: Template[];
  html?: Template[];
  text?: Template[];
}

interface CompiledWhatsApp {
  template: string;
  language: string;
  header: Template[][];
  body: Template[][];
  buttons: { index: number; text: Template[] }[];
}

export interface CompiledTemplate {
  email?: CompiledEmail;
  sms?: { text: Template[]; transliterate: boolean };
  whatsapp?: CompiledWhatsApp;
}

/** The sources of one locale: the template's content and, for email, the layout's. */
export interface CompileInput {
  content: LocaleContent;
  layout?: LayoutEmail;
  /** Prefix of error paths, e.g. `locales.es`. */
  path: string;
}

/** Compiles counted since start: the render cache's tests and the bench read it. */
export const compileStats = { compiles: 0 };

/** Inserts `inner` where the layout has `{{ content }}` (validate.ts checks it is there once). */
function wrapInLayout(layout: string, inner: string): string {
  return layout.replace(contentPlaceholder, () => inner);
}

/** The preview line: MJML has <mj-preview>; in HTML it is a hidden first element of the body. */
function withPreheader(source: string, preheader: string, kind: 'mjml' | 'html'): string {
  if (kind === 'mjml') {
    const preview = `<mj-preview>${preheader}</mj-preview>`;
    if (/<mj-head[^>]*>/.test(source)) return source.replace(/<mj-head[^>]*>/, (head) => head + preview);
    return source.replace(/<mjml[^>]*>/, (root) => `${root}<mj-head>${preview}</mj-head>`);
  }
  const hidden = `<div style="display:none;max-height:0;overflow:hidden;mso-hide:all">${preheader}</div>`;
  if (/<body[^>]*>/i.test(source)) return source.replace(/<body[^>]*>/i, (body) => body + hidden);
  return hidden + source;
}

async function mjmlToHtml(source: string): Promise<string> {
  // Includes would read files: refused by validation, and ignored here as a second lock.
  // Collapsing MJML's indentation makes every stored and rendered message a quarter smaller
  // (37 → 28 KB for the order confirmation); Outlook's conditional comments and the Liquid
  // tags come through unchanged. CSS is left as written (minifying it needs cssnano).
  const result = await mjml2html(source, {
    validationLevel: 'skip',
    ignoreIncludes: true,
    keepComments: false,
    minify: true,
    minifyOptions: { collapseWhitespace: true, minifyCSS: false },
  });
  return result.html;
}

/**
 * Plain text from HTML that still holds Liquid: lines are not wrapped (a wrap could split a
 * `{{ … }}`), headings keep their case (upper-casing would rename variables), hidden
 * elements such as the preheader are left out.
 */
function htmlToText(html: string): string {
  return convert(html, {
    wordwrap: false,
    selectors: [
      { selector: 'img', format: 'skip' },
      // The preheader is for the inbox list, hidden in the HTML; it is not body text.
      { selector: 'div[style*="display:none"]', format: 'skip' },
      { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
      ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => ({ selector: h, options: { uppercase: false } })),
      { selector: 'table', format: 'block' },
      { selector: 'tr', format: 'block' },
      { selector: 'td', format: 'block' },
      { selector: 'th', format: 'block' },
      { selector: 'div', format: 'block' },
    ],
  });
}

async function compileEmailHtml(input: CompileInput): Promise<string | undefined> {
  const { content, layout } = input;
  const email = content.email;
  if (!email) return undefined;
  const kind = email.mjml !== undefined ? 'mjml' : email.html !== undefined ? 'html' : undefined;
  if (!kind) return undefined;
  let source = (email.mjml ?? email.html) as string;
  const layoutSource = layout?.[kind];
  if (layoutSource !== undefined) source = wrapInLayout(layoutSource, source);
  if (email.preheader) source = withPreheader(source, email.preheader, kind);
  if (kind === 'mjml') return mjmlToHtml(source);
  return juice(source, { preserveImportant: true, removeStyleTags: false });
}

/** Compiles one locale of a template with its layout. Throws template_invalid on bad Liquid. */
export async function compileTemplate(input: CompileInput): Promise<CompiledTemplate> {
  compileStats.compiles++;
  const { content, layout, path } = input;
  const out: CompiledTemplate = {};
  if (content.email) {
    const emailPath = `${path}.email`;
    const html = await compileEmailHtml(input);
    let text = content.email.text;
    if (text !== undefined && layout?.text !== undefined) text = wrapInLayout(layout.text, text);
    if (text === undefined && html !== undefined) text = htmlToText(html);
    out.email = {
      subject: parseLiquid(textEngine, content.email.subject, `${emailPath}.subject`),
      ...(html !== undefined
        ? { html: parseLiquid(htmlEngine, html, `${emailPath}.${content.email.mjml ? 'mjml' : 'html'}`) }
        : {}),
      ...(text !== undefined ? { text: parseLiquid(textEngine, text, `${emailPath}.text`) } : {}),
    };
  }
  if (content.sms) {
    out.sms = {
      text: parseLiquid(textEngine, content.sms.text, `${path}.sms.text`),
      transliterate: content.sms.transliterate,
    };
  }
  if (content.whatsapp) {
    const { template, language, parameters } = content.whatsapp;
    const at = `${path}.whatsapp.parameters`;
    out.whatsapp = {
      template,
      language,
      header: (parameters.header ?? []).map((p, i) => parseLiquid(textEngine, p, `${at}.header[${i}]`)),
      body: (parameters.body ?? []).map((p, i) => parseLiquid(textEngine, p, `${at}.body[${i}]`)),
      buttons: (parameters.buttons ?? []).map((b, i) => ({
        index: b.index,
        text: parseLiquid(textEngine, b.text, `${at}.buttons[${i}].text`),
      })),
    };
  }
  return out;
}

const cache = new Map<string, Promise<CompiledTemplate>>();
const maxCached = 2000;

/**
 * The compiled template for `id` (which names the exact versions compiled, e.g.
 * `proj_x/order-confirmation@3/default@2/es`), compiling at most once per id even when many
 * renders ask at the same moment.
 */
export function compiledTemplate(id: string, input: () => CompileInput): Promise<CompiledTemplate> {
  let compiled = cache.get(id);
  if (compiled) {
    // Most recently used last, so the oldest is evicted first.
    cache.delete(id);
    cache.set(id, compiled);
    return compiled;
  }
  compiled = compileTemplate(input());
  compiled.catch(() => cache.delete(id));
  if (cache.size >= maxCached) cache.delete(cache.keys().next().value as string);
  cache.set(id, compiled);
  return compiled;
}
