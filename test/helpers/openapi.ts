// Checks a real answer of the API against the OpenAPI document: the status is documented for
// the operation, the media type is one the document gives for that status, and the body
// validates against its schema (Ajv, JSON Schema 2020-12, formats checked). For any test
// that sends requests and wants to know the document tells the truth about the answers.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

// biome-ignore lint/suspicious/noExplicitAny: a document is read as JSON; the checks below say what they need
type Json = any;

interface Answer {
  status: number;
  headers: Headers;
  /** The body: parsed JSON, or the text when it is not JSON. */
  body: unknown;
}

export interface OpenApiChecker {
  /** What is wrong with this answer to `method path` (path as templated in the document); [] when nothing. */
  problems(method: string, path: string, answer: Answer): string[];
  /** Throws with every problem when the answer does not match the document. */
  check(method: string, path: string, answer: Answer): void;
}

const documentId = 'https://aviso.invalid/openapi.json';

/** JSON pointer of `segments` (RFC 6901), written as a URI fragment. */
const pointer = (...segments: string[]) =>
  `#/${segments.map((s) => encodeURIComponent(s.replaceAll('~', '~0').replaceAll('/', '~1'))).join('/')}`;

export function openApiChecker(document: Json): OpenApiChecker {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ ...document, $id: documentId });
  const compiled = new Map<string, ValidateFunction>();
  const validator = (ref: string) => {
    let validate = compiled.get(ref);
    if (!validate) {
      validate = ajv.compile({ $ref: `${documentId}${ref}` });
      compiled.set(ref, validate);
    }
    return validate;
  };

  const problems: OpenApiChecker['problems'] = (method, path, answer) => {
    const where = `${method.toUpperCase()} ${path} → ${answer.status}`;
    const operation = document.paths?.[path]?.[method.toLowerCase()];
    if (!operation) return [`${where}: no such operation in the document`];
    const responses = operation.responses ?? {};
    const status = [String(answer.status), `${String(answer.status)[0]}XX`, 'default'].find(
      (s) => responses[s] !== undefined,
    );
    if (status === undefined)
      return [`${where}: status not documented (${Object.keys(responses).join(', ')})`];
    const content = responses[status].content as Record<string, { schema?: Json }> | undefined;
    const type = answer.headers.get('content-type')?.split(';')[0]?.trim().toLowerCase() ?? '';
    const empty = answer.body === '' || answer.body === undefined || answer.body === null;
    if (!content) return empty ? [] : [`${where}: documented without a body, but has one (${type})`];
    if (!(type in content))
      return [`${where}: media type "${type}" not documented (${Object.keys(content)})`];
    // HEAD answers the headers of GET without the body (RFC 9110 §9.3.2).
    if (!content[type]?.schema || method.toLowerCase() === 'head') return [];
    const validate = validator(
      pointer('paths', path, method.toLowerCase(), 'responses', status, 'content', type, 'schema'),
    );
    if (validate(answer.body)) return [];
    return (validate.errors ?? []).map(
      (e) => `${where}: body${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`,
    );
  };

  return {
    problems,
    check(method, path, answer) {
      const found = problems(method, path, answer);
      if (found.length > 0) throw new Error(`The answer does not match the document:\n${found.join('\n')}`);
    },
  };
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: unknown;
}

/** One operation of the document, with its method and path template. */
export interface Operation {
  method: string;
  path: string;
  operationId?: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
  responses: Record<string, unknown>;
}

const methods = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every operation of the document. */
export function operationsOf(document: Json): Operation[] {
  return Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => methods.includes(method))
      .map(([method, op]) => ({ ...(op as Operation), method, path })),
  );
}
