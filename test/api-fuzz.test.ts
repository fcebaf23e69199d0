// The API checked the way an outside fuzzer checks it: requests generated from the app's own
// OpenAPI document, both schema-valid and schema-violating (NUL, lone surrogates, huge numbers,
// 3,000-character and emoji strings, wrong types, missing and unknown fields), to every
// operation. No answer may be a 5xx, and every answer must be documented: its status, its
// content type, and its body against the documented schema. Bounded to about a minute.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { type OpenApiChecker, type Operation, openApiChecker, operationsOf } from './helpers/openapi.ts';
import { type JsonSchema, SchemaArbitraries } from './helpers/schema-arbitrary.ts';

let aviso: TestAviso;
// biome-ignore lint/suspicious/noExplicitAny: the document is read as JSON
let doc: any;
let checker: OpenApiChecker;
let schemas: SchemaArbitraries;
/** Real values per path parameter name, so requests also reach past the 404s. */
const known: Record<string, (string | number)[]> = {};

/** Runs per operation: half schema-valid, half with edge values anywhere. */
const runsPerOperation = Number(process.env.AVISO_FUZZ_RUNS ?? 24);
const countOnly = process.env.AVISO_FUZZ_COUNT === '1';

beforeAll(async () => {
  aviso = await startTestAviso({ AVISO_WEBHOOKS_ALLOW_PRIVATE: 'true' });
  doc = (await aviso.request('GET', '/openapi.json')).body;
  checker = openApiChecker(doc);
  schemas = new SchemaArbitraries((doc.components?.schemas ?? {}) as Record<string, JsonSchema>);
  const message = await aviso.request('POST', '/v1/messages', {
    body: { to: 'ana@example.com', subject: 'Hi', text: 'Hello', tags: ['fuzz'] },
  });
  const provider = await aviso.request('POST', '/v1/providers', {
    body: { name: 'fuzz-capture', type: 'capture', channel: 'sms' },
  });
  const webhook = await aviso.request('POST', '/v1/webhooks', { body: { url: 'http://127.0.0.1:9/hook' } });
  await aviso.request('POST', '/v1/suppressions', { body: { address: 'blocked@example.com' } });
  known.id = [message.body.id, provider.body.id, webhook.body.id].filter(Boolean);
  known.key = ['order-confirmation', 'two-factor-code', 'default'];
  known.version = [1, 2];
  known.address = ['blocked@example.com', '+34600111222'];
});
afterAll(async () => aviso?.stop());

interface GeneratedRequest {
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string>;
  body?: { contentType: string; text: string };
}

/** Path parameters percent-encoded; a lone surrogate (which encodeURIComponent refuses) as WTF-8. */
function encodePathValue(value: unknown): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  try {
    return encodeURIComponent(text);
  } catch {
    return text
      .replace(/[\ud800-\udfff]/g, '\u0000')
      .split('\u0000')
      .map(encodeURIComponent)
      .join('%ED%A0%80');
  }
}

function stringOf(value: unknown): string {
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
}

function requestArbitrary(op: Operation, chaos: number): fc.Arbitrary<GeneratedRequest> {
  const params = op.parameters ?? [];
  const valueFor = (p: (typeof params)[number]) => {
    const generated = schemas.of((p.schema ?? { type: 'string' }) as JsonSchema, { chaos });
    const real = known[p.name];
    return real && p.in === 'path' ? fc.oneof(fc.constantFrom(...real), generated) : generated;
  };
  const pathParams = fc.record(
    Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, valueFor(p)])),
  );
  const queryParams = fc.record(
    Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, valueFor(p)])),
    { requiredKeys: params.filter((p) => p.in === 'query' && p.required).map((p) => p.name) },
  );
  const headerParams = fc.record(
    Object.fromEntries(
      params.filter((p) => p.in === 'header').map((p) => [p.name, fc.stringMatching(/^[\x21-\x7e]{1,40}$/)]),
    ),
    { requiredKeys: [] },
  );
  const content = op.requestBody?.content ?? {};
  const bodies = Object.entries(content).map(([contentType, media]) => {
    if (contentType === 'application/json') {
      return schemas
        .of((media.schema ?? {}) as JsonSchema, { chaos })
        .map((value) => ({ contentType, text: JSON.stringify(value) ?? 'null' }));
    }
    // text/csv, message/rfc822: lines of text, edge strings among them.
    return fc
      .array(
        fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('\u0000', 'a,b,c', 'x'.repeat(3000))),
        {
          maxLength: 6,
        },
      )
      .map((lines) => ({ contentType, text: lines.join('\r\n') }));
  });
  const body = bodies.length > 0 ? fc.oneof(...bodies) : fc.constant(undefined);
  return fc
    .record({ pathParams, queryParams, headerParams, body })
    .map(({ pathParams, queryParams, headerParams, body }) => ({
      path: op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => encodePathValue(pathParams[name])),
      query: queryParams,
      headers: Object.fromEntries(Object.entries(headerParams).map(([k, v]) => [k, stringOf(v)])),
      ...(body ? { body } : {}),
    }));
}

async function send(method: string, request: GeneratedRequest) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(request.query)) {
    if (value !== undefined) search.set(name, stringOf(value));
  }
  const url = `${aviso.url}${request.path}${search.size > 0 ? `?${search}` : ''}`;
  const headers: Record<string, string> = { authorization: `Bearer ${aviso.key}`, ...request.headers };
  if (request.body) headers['content-type'] = request.body.contentType;
  const response = await fetch(url, {
    method: method.toUpperCase(),
    headers,
    redirect: 'manual',
    ...(request.body && method !== 'get' && method !== 'head' ? { body: request.body.text } : {}),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return { status: response.status, headers: response.headers, body, text };
}

describe('every operation of the OpenAPI document, fuzzed', () => {
  it('has operations to fuzz', () => {
    expect(operationsOf(doc).length).toBeGreaterThan(40);
  });

  // Operations that delete run last, so the others still find what the fixtures made.
  const order = (op: Operation) => (op.method === 'delete' ? 1 : 0);

  it('answers every request without a 5xx, as documented', async () => {
    const failures: string[] = [];
    const tally = { requests: 0, serverErrors: 0, undocumented: 0, operationsWith5xx: new Set<string>() };
    const operations = operationsOf(doc).sort((a, b) => order(a) - order(b));
    for (const op of operations) {
      const arbitrary = fc.oneof(requestArbitrary(op, 0), requestArbitrary(op, 20));
      const result = await fc.check(
        fc.asyncProperty(arbitrary, async (request) => {
          const response = await send(op.method, request);
          const problems = checker.problems(op.method, op.path, response);
          tally.requests++;
          if (response.status >= 500) {
            tally.serverErrors++;
            tally.operationsWith5xx.add(`${op.method} ${op.path}`);
          } else if (problems.length > 0) tally.undocumented++;
          // Counting mode (AVISO_FUZZ_COUNT=1) measures a build instead of judging it.
          if (problems.length > 0 && !countOnly) {
            throw new Error(`${response.status}: ${problems.join('; ')}\n  ${response.text.slice(0, 300)}`);
          }
        }),
        { numRuns: runsPerOperation, endOnFailure: !countOnly },
      );
      if (result.failed) {
        const request = JSON.stringify(result.counterexample?.[0]).slice(0, 400);
        failures.push(
          `${op.method.toUpperCase()} ${op.path}: ${result.errorInstance}\n  request: ${request}`,
        );
      }
    }
    console.log(
      `fuzzed ${tally.requests} requests to ${operations.length} operations: ${tally.serverErrors} answered 5xx ` +
        `(on ${tally.operationsWith5xx.size} operations${tally.operationsWith5xx.size ? `: ${[...tally.operationsWith5xx].join(', ')}` : ''}), ` +
        `${tally.undocumented} other answers not as documented`,
    );
    if (countOnly) return;
    expect(failures, failures.join('\n\n')).toEqual([]);
    // Nothing reached the prototype every object of the process shares.
    expect(Object.keys(Object.prototype)).toEqual([]);
  }, 240_000);
});
