// The one rule for text that comes in from outside and may reach PostgreSQL: no NUL
// character (PostgreSQL's text and JSONB cannot hold U+0000) and no lone UTF-16 surrogate
// (not valid Unicode, cannot be encoded as UTF-8). Checked on every string and object key of
// a request, so such input is a 422 naming its field, never a 500 from the database.
import { type ErrorBody, formatPath } from './errors.ts';

// String.prototype.isWellFormed (ES2024, in Node 20+) is not in the ES2023 lib TypeScript uses.
const wellFormed = (text: string): boolean => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

/** Why `text` cannot be stored, or undefined when it can. */
function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'holds a NUL character (U+0000), which cannot be stored';
  if (!wellFormed(text)) return 'holds a lone UTF-16 surrogate, which is not valid Unicode';
  return undefined;
}

/** Nesting deeper than this is not walked (the JSON parser and schemas bound it first). */
const maxDepth = 64;

/** Every string and key in `value` that cannot be stored, with its path (at most `limit`). */
export function unstorableTextIssues(value: unknown, prefix: PropertyKey[] = [], limit = 20): ErrorBody[] {
  const issues: ErrorBody[] = [];
  const report = (path: PropertyKey[], problem: string, what: string) =>
    issues.push({ code: 'invalid_characters', message: `This ${what} ${problem}.`, path: formatPath(path) });
  // One path, pushed and popped as the walk goes (copied only for a report): a batch of
  // thousands of messages is walked on every request, so the walk must not allocate per node.
  const path = [...prefix];
  const walk = (node: unknown, depth: number) => {
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
      for (let i = 0; i < node.length; i++) {
        path.push(i);
        walk(node[i], depth + 1);
        path.pop();
      }
      return;
    }
    for (const key in node) {
      if (!Object.hasOwn(node, key)) continue;
      path.push(key);
      const problem = unstorableText(key);
      if (problem) report(path, problem, 'field name');
      walk((node as Record<string, unknown>)[key], depth + 1);
      path.pop();
    }
  };
  walk(value, 0);
  return issues;
}
