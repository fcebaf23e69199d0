// The one rule for text that comes in from outside and may reach PostgreSQL: no NUL
// character (PostgreSQL's text and JSONB cannot hold U+0000) and no lone UTF-16 surrogate
// (not valid Unicode, cannot be encoded as UTF-8). Checked on every string and object key of
// a request, so such input is a 422 naming its field, never a 500 from the database.
import { type ErrorBody, formatPath } from './errors.ts';

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `text` cannot be stored, or undefined when it can. */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'holds a NUL character (U+0000), which cannot be stored';
  if (loneSurrogate.test(text)) return 'holds a lone UTF-16 surrogate, which is not valid Unicode';
  return undefined;
}

/** Nesting deeper than this is not walked (the JSON parser and schemas bound it first). */
const maxDepth = 64;

/** Every string and key in `value` that cannot be stored, with its path (at most `limit`). */
export function unstorableTextIssues(value: unknown, prefix: PropertyKey[] = [], limit = 20): ErrorBody[] {
  const issues: ErrorBody[] = [];
  const report = (path: PropertyKey[], problem: string, what: string) =>
    issues.push({ code: 'invalid_characters', message: `This ${what} ${problem}.`, path: formatPath(path) });
  const walk = (node: unknown, path: PropertyKey[], depth: number) => {
    if (issues.length >= limit || depth > maxDepth) return;
    if (typeof node === 'string') {
      const problem = unstorableText(node);
      if (problem) report(path, problem, 'text');
      return;
    }
    if (node === null || typeof node !== 'object') return;
    // Bytes (a raw mail, a CSV file) are not text fields: whoever reads them stores clean text.
    if (ArrayBuffer.isView(node)) return;
    if (Array.isArray(node)) {
      for (const [i, item] of node.entries()) walk(item, [...path, i], depth + 1);
      return;
    }
    for (const [key, item] of Object.entries(node)) {
      const problem = unstorableText(key);
      if (problem) report([...path, key], problem, 'field name');
      walk(item, [...path, key], depth + 1);
    }
  };
  walk(value, prefix, 0);
  return issues;
}
