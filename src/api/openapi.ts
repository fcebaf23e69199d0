// How the OpenAPI document (/openapi.json) is built from the routes' zod schemas. What operations
// share is added here as each route is documented, so a route states only its own answers:
// the errors every route of its kind can give, a description for every answer, no defaults
// in request bodies (generated clients would make those fields required) and no unused parts.
import type { FastifyDynamicSwaggerOptions, SwaggerTransform } from '@fastify/swagger';
import type { FastifySchema } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import type { z } from 'zod';
import { responseDescription } from './schemas.ts';

type Json = Record<string, unknown>;
type DocumentTransform = NonNullable<FastifyDynamicSwaggerOptions['transformObject']>;

const errorRef = { $ref: '#/components/schemas/Error' };
const jsonContent = (schema: unknown) => ({ 'application/json': { schema } });

/** What a route's schema says about it: enough to know which shared errors it can answer. */
interface RouteFacts {
  authenticated: boolean;
  body: boolean;
  /** Named path parameters (`:id`): the router's length limit applies to them. */
  pathParams: boolean;
  /** Any value in the path, named or wildcard: it must be valid percent-encoding. */
  pathValues: boolean;
  input: boolean;
}

/**
 * The errors that come from the request edge rather than from a route's own logic, with the
 * routes that can answer them. Each is Aviso's Error envelope (api/error-handler.ts). Public
 * routes (callbacks, tracking, health) read their input themselves and declare its errors.
 */
const sharedErrors: { status: number; description: string; when: (r: RouteFacts) => boolean }[] = [
  {
    status: 400,
    description: 'The body is not valid JSON, or a path value is not valid percent-encoding.',
    when: (r) => (r.authenticated && r.body) || r.pathValues,
  },
  {
    status: 401,
    description: 'No API key, or one that is not valid or has been revoked.',
    when: (r) => r.authenticated,
  },
  { status: 413, description: 'The body is larger than this operation takes.', when: (r) => r.body },
  {
    status: 414,
    description: 'A path value is longer than 1,024 characters.',
    when: (r) => r.pathParams,
  },
  {
    status: 415,
    description: 'The body is not of a media type this operation takes.',
    when: (r) => r.authenticated && r.body,
  },
  {
    status: 422,
    description: 'The request is not valid: `error.details` lists every problem, each with its `path`.',
    // Public routes too: every request value is held to the storable-text rule (no NUL).
    when: (r) => r.input,
  },
  {
    status: 503,
    description:
      'The database cannot be reached (retry after `Retry-After` seconds), or the server is shutting down.',
    when: () => true,
  },
];

const retryAfter = {
  'Retry-After': { type: 'integer', minimum: 1, description: 'Seconds to wait before retrying.' },
};

/** `url` is the route's own: the router's length limit applies to named parameters, not to `*`. */
function factsOf(schema: FastifySchema, url: string): RouteFacts {
  const body = schema.body !== undefined;
  const input = body || schema.params !== undefined || schema.querystring !== undefined;
  return {
    authenticated: !(Array.isArray(schema.security) && schema.security.length === 0),
    body,
    pathParams: url.includes(':'),
    pathValues: url.includes(':') || url.includes('*'),
    input: input || schema.headers !== undefined,
  };
}

/** A route's answer as the document gives it: a description, and content unless it has none. */
function documentedAnswer(status: string, answer: Json): Json {
  if (isObject(answer.content)) {
    if (typeof answer.description !== 'string') throw new Error(`answer ${status} has no description`);
    return answer;
  }
  const { [responseDescription]: description, headers, ...schema } = answer;
  if (typeof description !== 'string') throw new Error(`answer ${status} has no description`);
  // swagger leaves out the content of a `type: null` answer (204, 302).
  if (schema.type === 'null') return { type: 'null', description, ...(headers ? { headers } : {}) };
  return { description, ...(headers ? { headers } : {}), content: jsonContent(schema) };
}

/**
 * The route's own answers over the shared ones; where both give a status (a public page's
 * HTML 400 and the router's JSON 400), the answer documents both media types.
 */
function mergeAnswers(shared: (readonly [string, Json])[], own: (readonly [string, Json])[]): Json {
  const answers = new Map<string, Json>(shared);
  for (const [status, answer] of own) {
    const edge = answers.get(status);
    answers.set(
      status,
      edge && isObject(edge.content) && isObject(answer.content)
        ? { ...answer, content: { ...edge.content, ...answer.content } }
        : answer,
    );
  }
  return Object.fromEntries(answers);
}

/**
 * Per route: zod to JSON Schema (requests from the input side of the schemas, answers from the
 * output side), then the shared errors and the answers' descriptions. Throws for a route that
 * lacks an operationId, a summary, a description or tags, so the document cannot lose them.
 */
export const transform: SwaggerTransform = (document) => {
  const converted = jsonSchemaTransform(document);
  const schema = converted.schema as FastifySchema & { hide?: boolean };
  if (!document.schema || schema.hide) return converted;
  for (const field of ['operationId', 'summary', 'description', 'tags'] as const) {
    if (!schema[field]) throw new Error(`${document.url}: the route's schema has no ${field}`);
  }
  const own = Object.entries((schema.response ?? {}) as Record<string, Json>).map(
    ([status, answer]) => [status, documentedAnswer(status, answer)] as const,
  );
  const facts = factsOf(document.schema, document.route.url);
  const shared = sharedErrors
    .filter((e) => e.when(facts))
    .map((e): readonly [string, Json] => [
      String(e.status),
      {
        description: e.description,
        ...(e.status === 503 ? { headers: retryAfter } : {}),
        content: jsonContent(errorRef),
      },
    ]);
  const body = schema.body as Json | undefined;
  if (body && document.route.method === 'PATCH' && hasDefault(body, {})) {
    throw new Error(`PATCH ${document.url}: a default in a PATCH body resets what the client left out`);
  }
  if (body) withoutDefaults(body);
  return {
    url: converted.url,
    schema: {
      ...schema,
      // swagger suffixes HEAD routes' ids with "-head"; ours are named for HEAD already.
      operationId: String(schema.operationId).replace(/-head$/, ''),
      response: mergeAnswers(shared, own),
    },
  };
};

/**
 * The transform for a route whose URL or request cannot be documented from what the server
 * matches, e.g. a wildcard route (whose token has no length limit) documented as `{token}`.
 */
export function documentedAs(
  url: string,
  extra: { params?: z.ZodObject; querystring?: z.ZodType; body?: z.ZodType; consumes?: string[] },
): SwaggerTransform {
  return (document) =>
    transform({
      ...document,
      url,
      schema: { ...document.schema, ...extra },
    } as Parameters<SwaggerTransform>[0]);
}

/**
 * zod emits `default` for fields with one. In a request body that misleads generated clients
 * (openapi-typescript makes such fields required), so the default moves to the description.
 */
function withoutDefaults(schema: unknown): void {
  if (Array.isArray(schema)) {
    for (const item of schema) withoutDefaults(item);
    return;
  }
  if (!isObject(schema)) return;
  if ('default' in schema) {
    const value = JSON.stringify(schema.default);
    delete schema.default;
    const description = typeof schema.description === 'string' ? schema.description : '';
    if (!/default/i.test(description)) {
      schema.description = `${description}${description ? ' ' : ''}Default: ${value}.`;
    }
  }
  for (const key of ['properties', 'patternProperties', '$defs']) {
    if (isObject(schema[key])) for (const item of Object.values(schema[key])) withoutDefaults(item);
  }
  for (const key of ['items', 'additionalProperties', 'not', 'anyOf', 'allOf', 'oneOf', 'prefixItems']) {
    withoutDefaults(schema[key]);
  }
}

/** Whether `schema`, or a component it refers to, gives a default. */
function hasDefault(schema: unknown, components: Record<string, Json>, seen = new Set<string>()): boolean {
  if (Array.isArray(schema)) return schema.some((s) => hasDefault(s, components, seen));
  if (!isObject(schema)) return false;
  if ('default' in schema) return true;
  for (const name of refsIn({ $ref: schema.$ref })) {
    if (seen.has(name)) continue;
    seen.add(name);
    if (hasDefault(components[name], components, seen)) return true;
  }
  return Object.entries(schema).some(([key, value]) => key !== '$ref' && hasDefault(value, components, seen));
}

/** PATCH bodies must leave out what the client leaves out: see src/schemas/patch.ts. */
function checkPatchBodies(paths: Json, components: Record<string, Json>): void {
  for (const [path, operations] of Object.entries(paths)) {
    const body = (operations as Record<string, Json | undefined>).patch?.requestBody;
    if (body && hasDefault(body, components)) {
      throw new Error(`PATCH ${path}: a default in a PATCH body resets what the client left out`);
    }
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every `#/components/schemas/…` name that `value` refers to. */
function refsIn(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsIn(v, into);
  else if (isObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (key === '$ref' && typeof v === 'string' && v.startsWith('#/components/schemas/')) {
        into.add(v.slice('#/components/schemas/'.length));
      } else refsIn(v, into);
    }
  }
  return into;
}

/**
 * The components the operations use, directly or through each other. zod gives each named
 * schema twice (`X` for answers, `XInput` for requests); a request-only schema is named `X`.
 */
function usedComponents(paths: Json, schemas: Record<string, Json>): Record<string, Json> {
  const used = new Set<string>();
  const pending = [...refsIn(paths)];
  while (pending.length > 0) {
    const name = pending.pop() as string;
    if (used.has(name) || !schemas[name]) continue;
    used.add(name);
    pending.push(...refsIn(schemas[name]));
  }
  const kept = Object.fromEntries([...used].sort().map((name) => [name, schemas[name] as Json]));
  for (const name of Object.keys(kept)) if (name.endsWith('Input')) withoutDefaults(kept[name]);
  return kept;
}

function renameRequestOnly(document: Json): Json {
  const components = document.components as { schemas: Record<string, Json> };
  const names = new Map<string, string>();
  for (const name of Object.keys(components.schemas)) {
    const plain = name.replace(/Input$/, '');
    names.set(name, plain !== name && !components.schemas[plain] ? plain : name);
  }
  components.schemas = Object.fromEntries(
    Object.entries(components.schemas)
      .map(([name, schema]) => [names.get(name) as string, schema] as const)
      .sort(([a], [b]) => (a < b ? -1 : 1)),
  );
  let text = JSON.stringify(document);
  for (const [from, to] of names) {
    if (from !== to) text = text.replaceAll(`"#/components/schemas/${from}"`, `"#/components/schemas/${to}"`);
  }
  return JSON.parse(text) as Json;
}

/**
 * The whole document, once every route is in: PATCH bodies checked, only the components the
 * operations use, request-only components named plainly, and this server's URL.
 */
export function documentTransform(publicUrl: () => string): DocumentTransform {
  return (input) => {
    const document = jsonSchemaTransformObject(input) as Json;
    const components = document.components as { schemas: Record<string, Json> };
    checkPatchBodies(document.paths as Json, components.schemas);
    components.schemas = usedComponents(document.paths as Json, components.schemas);
    return renameRequestOnly({
      ...document,
      servers: [{ url: publicUrl(), description: 'This Aviso server (AVISO_PUBLIC_URL)' }],
    });
  };
}
