// Checks a template or layout before it is saved: every Liquid part parses, MJML is valid
// (with the line and column of each problem), a layout has exactly one {{ content }}, and
// nothing reaches for files (mj-include). Returns every problem, so an editor can mark them
// all at once; an empty list means the content can be compiled.
import type { Liquid, Template } from 'liquidjs';
import mjml2html from 'mjml';
import type { ErrorBody } from '../errors/index.ts';
import { isForbiddenKey } from '../records/index.ts';
import type { LayoutContent, TemplateContent } from './content.ts';
import { contentPlaceholder } from './content.ts';
import { liquidSizeIssues, mjmlNestingIssues, positionOf } from './limits.ts';
import { htmlEngine, liquidIssue, type SyntaxIssue, syntaxError, textEngine } from './liquid.ts';
import { liquidFields } from './variables.ts';

function liquidIssues(source: string, path: string, html = false): ErrorBody[] {
  const tooLarge = liquidSizeIssues(source, path);
  if (tooLarge.length > 0) return tooLarge;
  const engine = html ? htmlEngine : textEngine;
  let parsed: Template[];
  try {
    parsed = engine.parse(source);
  } catch (err) {
    return [syntaxError(path, liquidIssue(err))];
  }
  return forbiddenNameIssues(engine, parsed, path);
}

/**
 * `{{ a.__proto__.b }}`, `{{ x["constructor"] }}`: names that reach prototypes are refused in
 * any variable, local or global, so no later reader of the paths can be led there.
 */
function forbiddenNameIssues(engine: Liquid, parsed: Template[], path: string): ErrorBody[] {
  const { variables } = engine.analyzeSync(parsed, { partials: false });
  const issues: ErrorBody[] = [];
  for (const variable of Object.values(variables).flat()) {
    const name = variable.segments.find((s) => typeof s === 'string' && isForbiddenKey(s));
    if (name === undefined) continue;
    issues.push(
      syntaxError(path, {
        message: `"${String(name)}" cannot be part of a variable name`,
        line: variable.location.row,
        column: variable.location.col,
      }),
    );
  }
  return issues;
}

function includeIssues(source: string, path: string): ErrorBody[] {
  const at = source.search(/<mj-include\b/);
  if (at < 0) return [];
  return [
    syntaxError(path, {
      message: '<mj-include> is not available: templates cannot read files',
      ...positionOf(source, at),
    }),
  ];
}

/**
 * MJML's validator reports lines; we add the column of the element on that line. `lineOffset`
 * is how many lines were put before the author's source to make it a whole document.
 */
async function mjmlIssues(
  document: string,
  source: string,
  lineOffset: number,
  path: string,
): Promise<ErrorBody[]> {
  const result = await mjml2html(document, { validationLevel: 'soft', ignoreIncludes: true });
  const lines = source.split('\n');
  return result.errors.map((e) => {
    const line = e.line - lineOffset;
    const text = lines[line - 1] ?? '';
    const column = text.indexOf(`<${e.tagName}`);
    const issue: SyntaxIssue = { message: `${e.message} (<${e.tagName}>)`, line };
    if (column >= 0) issue.column = column + 1;
    return syntaxError(path, issue);
  });
}

function placeholderIssues(source: string, path: string): ErrorBody[] {
  const count = source.match(contentPlaceholder)?.length ?? 0;
  if (count === 1) return [];
  return [
    {
      code: 'template_invalid',
      message:
        count === 0
          ? 'A layout needs {{ content }} where the template goes.'
          : `A layout has {{ content }} once, not ${count} times.`,
      path,
    },
  ];
}

export async function validateTemplateContent(content: TemplateContent): Promise<ErrorBody[]> {
  const issues: ErrorBody[] = [];
  for (const field of liquidFields(content)) {
    const liquid = liquidIssues(field.source, field.path, field.html);
    issues.push(...liquid);
    if (!field.path.endsWith('.mjml')) continue;
    const includes = [
      ...includeIssues(field.source, field.path),
      ...mjmlNestingIssues(field.source, field.path),
    ];
    issues.push(...includes);
    if (liquid.length === 0 && includes.length === 0) {
      issues.push(...(await templateMjmlIssues(field.source, content.layout !== null, field.path)));
    }
  }
  return issues;
}

async function templateMjmlIssues(mjml: string, hasLayout: boolean, path: string): Promise<ErrorBody[]> {
  const whole = /<mjml[\s>]/.test(mjml);
  if (hasLayout) {
    if (whole) {
      return [
        {
          code: 'template_invalid',
          message: 'With a layout, give only the body sections (<mj-section>…), not a whole <mjml> document.',
          path,
          ...positionOf(mjml, mjml.search(/<mjml[\s>]/)),
        },
      ];
    }
    return mjmlIssues(`<mjml><mj-body>\n${mjml}\n</mj-body></mjml>`, mjml, 1, path);
  }
  if (!whole || !/<mj-body[\s>]/.test(mjml)) {
    return [
      {
        code: 'template_invalid',
        message: 'Without a layout, give a whole document: <mjml><mj-body>…</mj-body></mjml>.',
        path,
      },
    ];
  }
  return mjmlIssues(mjml, mjml, 0, path);
}

export async function validateLayoutContent(content: LayoutContent): Promise<ErrorBody[]> {
  const issues: ErrorBody[] = [];
  for (const [locale, { email }] of Object.entries(content.locales)) {
    const at = `locales.${locale}.email`;
    for (const kind of ['mjml', 'html', 'text'] as const) {
      const source = email[kind];
      if (source === undefined) continue;
      const path = `${at}.${kind}`;
      const found = [
        ...liquidIssues(source, path, kind !== 'text'),
        ...placeholderIssues(source, path),
        ...(kind === 'mjml' ? [...includeIssues(source, path), ...mjmlNestingIssues(source, path)] : []),
      ];
      issues.push(...found);
      if (kind === 'mjml' && found.length === 0) {
        issues.push(...(await mjmlIssues(source.replace(contentPlaceholder, ''), source, 0, path)));
      }
    }
  }
  return issues;
}
