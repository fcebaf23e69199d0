// Reading the app's OpenAPI document in tests: its operations, and whether an answer is what
// the document promises for that operation (status documented, content type, body schema,
// checked with Ajv's draft 2020-12 validator as generated clients would trust it).
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation | unknown>>;
  components?: { schemas?: Record<string, unknown> };
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
}

interface Media {
  schema?: unknown;
}

export interface Operation {
  method: string;
  path: string;
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, Media> };
  responses: Record<string, { description?: string; content?: Record<string, Media> }>;
}

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

export function operationsOf(doc: OpenApiDocument): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.includes(method))
      .map(([method, op]) => ({ ...(op as Operation), method, path })),
  );
}

const validators = new WeakMap<OpenApiDocument, Map<unknown, ValidateFunction>>();

function validatorFor(doc: OpenApiDocument, schema: unknown): ValidateFunction {
  let cache = validators.get(doc);
  if (!cache) {
    cache = new Map();
    validators.set(doc, cache);
  }
  const known = cache.get(schema);
  if (known) return known;
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
  formats.default(ajv);
  // The components travel with each schema so that "#/components/schemas/…" resolves.
  const validate = ajv.compile({ ...(schema as object), components: doc.components });
  cache.set(schema, validate);
  return validate;
}

export interface ObservedResponse {
  status: number;
  contentType: string | null;
  raw: Buffer;
}

/** What is wrong with `response` as an answer of `op`, by the document (empty: nothing). */
export function responseProblems(doc: OpenApiDocument, op: Operation, response: ObservedResponse): string[] {
  const problems: string[] = [];
  if (response.status >= 500) problems.push(`server error ${response.status}`);
  const documented = op.responses[String(response.status)] ?? op.responses.default;
  if (!documented) {
    problems.push(`status ${response.status} is not documented (${Object.keys(op.responses).join(', ')})`);
    return problems;
  }
  const content = documented.content ?? {};
  const types = Object.keys(content);
  if (types.length === 0) {
    if (response.raw.length > 0) problems.push('a body where the document promises none');
    return problems;
  }
  const type = (response.contentType ?? '').split(';')[0]?.trim() ?? '';
  const media = content[type] ?? (type.startsWith('text/') ? undefined : content['*/*']);
  if (!media) {
    problems.push(`content type "${type}" is not documented (${types.join(', ')})`);
    return problems;
  }
  if (type === 'application/json' && media.schema) {
    let body: unknown;
    try {
      body = JSON.parse(response.raw.toString('utf8'));
    } catch {
      problems.push('the body is not JSON');
      return problems;
    }
    const validate = validatorFor(doc, media.schema);
    if (!validate(body)) {
      problems.push(
        `the body does not match the schema: ${(validate.errors ?? [])
          .slice(0, 5)
          .map((e) => `${e.instancePath || '/'} ${e.message}`)
          .join(', ')}`,
      );
    }
  }
  return problems;
}
