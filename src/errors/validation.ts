// Turns zod issues into API errors with our stable codes and client-style field paths: for the
// API's route schemas (api/validation.ts) and for checks made elsewhere (provider settings).
import type { z } from 'zod';
import { ApiError, type ErrorBody, type ErrorCode, errorCodes, formatPath } from './errors.ts';
import { unstorableTextIssues } from './storable-text.ts';

type Issue = z.core.$ZodIssue & { input?: unknown };

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function toErrorBody(issue: Issue, prefix: PropertyKey[]): ErrorBody[] {
  const path = [...prefix, ...issue.path];
  const at = (code: ErrorCode, message: string, p = path): ErrorBody => ({
    code,
    message,
    path: formatPath(p),
  });
  if ((issue.code === 'invalid_type' || issue.code === 'invalid_union') && issue.input === undefined) {
    return [at('field_required', 'This field is required.')];
  }
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) => at('unknown_field', `Unknown field "${key}".`, [...path, key]));
    case 'invalid_type':
      return [at('invalid_type', `Expected ${issue.expected}, got ${describe(issue.input)}.`)];
    case 'invalid_union':
      return [
        at(
          'invalid_type',
          issue.message === 'Invalid input' ? 'This value has the wrong type.' : issue.message,
        ),
      ];
    case 'too_big':
      return [at(issue.origin === 'string' ? 'value_too_long' : 'invalid_value', issue.message)];
    case 'too_small':
      return [at(issue.origin === 'string' ? 'value_too_short' : 'invalid_value', issue.message)];
    case 'invalid_format':
      return [at('invalid_format', issue.message)];
    case 'invalid_key':
      // A record key (a locale, a header name) that fails its own schema: say why, at the key.
      return issue.issues.flatMap((inner) => toErrorBody({ ...inner, path: [] } as Issue, path));
    case 'invalid_value':
      return [at('invalid_value', `Expected one of: ${issue.values.map(String).join(', ')}.`)];
    case 'custom': {
      const code = (issue.params as { code?: string } | undefined)?.code;
      return [at(code && code in errorCodes ? (code as ErrorCode) : 'validation_failed', issue.message)];
    }
    default:
      return [at('validation_failed', issue.message)];
  }
}

/** One ApiError for all the issues: the first is the headline, all are in `details`. */
function validationError(issues: readonly z.core.$ZodIssue[], prefix: PropertyKey[] = []): ApiError {
  return ApiError.of(issues.flatMap((i) => toErrorBody(i as Issue, prefix)));
}

/**
 * Validates `value` from a request against `schema`. Every string and key is first held to the
 * storable-text rule (storable-text.ts), unless `checkText` is false: the batch envelope
 * leaves that to each item, so one bad message does not refuse the others.
 */
export function parseWith<T extends z.ZodType>(
  schema: T,
  value: unknown,
  prefix: PropertyKey[] = [],
  { checkText = true }: { checkText?: boolean } = {},
): z.output<T> {
  if (checkText) {
    const unstorable = unstorableTextIssues(value, prefix);
    if (unstorable.length > 0) throw ApiError.of(unstorable);
  }
  const result = schema.safeParse(value, { reportInput: true });
  if (!result.success) throw validationError(result.error.issues, prefix);
  return result.data;
}
