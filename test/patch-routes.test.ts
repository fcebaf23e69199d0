// A PATCH changes only what it names: no field of a PATCH body has a default (which would
// fill in, and so reset, what the client left out), for every PATCH operation of the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';

// biome-ignore lint/suspicious/noExplicitAny: the OpenAPI document is read as JSON
type Json = any;

let aviso: TestAviso;
let document: Json;

beforeAll(async () => {
  aviso = await startTestAviso({ AVISO_WEBHOOKS_ALLOW_PRIVATE: 'true' });
  document = (await aviso.request('GET', '/openapi.json', { key: null })).body;
});
afterAll(async () => {
  await aviso.stop();
});

const patchOperations = () =>
  Object.entries(document.paths as Record<string, Record<string, Json>>)
    .filter(([, operations]) => operations.patch)
    .map(([path, operations]) => ({ path, operation: operations.patch }));

/** The JSON paths of every `default` in `schema`, following $refs into the components. */
function defaultsIn(schema: Json, at: string, seen = new Set<string>()): string[] {
  if (Array.isArray(schema)) return schema.flatMap((s, i) => defaultsIn(s, `${at}[${i}]`, seen));
  if (typeof schema !== 'object' || schema === null) return [];
  if (typeof schema.$ref === 'string' && !seen.has(schema.$ref)) {
    seen.add(schema.$ref);
    const name = schema.$ref.replace('#/components/schemas/', '');
    return defaultsIn(document.components.schemas[name], at, seen);
  }
  return Object.entries(schema).flatMap(([key, value]) =>
    key === 'default' ? [at] : defaultsIn(value, `${at}.${key}`, seen),
  );
}

/** For each PATCH path: a resource to change, and where to read it back. */
const resources: Record<string, () => Promise<{ path: string; values: Record<string, string> }>> = {
  '/v1/providers/{id}': async () => {
    const created = await aviso.request('POST', '/v1/providers', {
      body: { name: `p${Date.now()}`, type: 'capture', channel: 'sms', enabled: false, rateLimit: 7 },
    });
    return { path: `/v1/providers/${created.body.id}`, values: { id: created.body.id } };
  },
  '/v1/webhooks/{id}': async () => {
    const created = await aviso.request('POST', '/v1/webhooks', {
      body: { url: 'http://127.0.0.1:9/hook', description: 'Orders', eventTypes: ['delivered', 'bounced'] },
    });
    await aviso.request('PATCH', `/v1/webhooks/${created.body.id}`, { body: { enabled: false } });
    return { path: `/v1/webhooks/${created.body.id}`, values: { id: created.body.id } };
  },
  '/v1/project': async () => {
    await aviso.request('PATCH', '/v1/project', {
      body: { tracking: { opens: true, clicks: true }, softBounces: { limit: 4, days: 9 } },
    });
    return { path: '/v1/project', values: {} };
  },
};

const withoutTimes = (body: Json) => {
  const { updatedAt: _u, ...rest } = body;
  return rest;
};

describe('PATCH operations', () => {
  it('have no default anywhere in their request bodies', () => {
    const found = patchOperations().flatMap(({ path, operation }) =>
      defaultsIn(operation.requestBody?.content?.['application/json']?.schema, `PATCH ${path}`),
    );
    expect(found).toEqual([]);
  });

  it('change nothing when they name nothing, for every PATCH operation of the document', async () => {
    const paths = patchOperations().map((p) => p.path);
    expect(paths.length).toBeGreaterThan(0);
    for (const path of paths) {
      const setup = resources[path];
      if (!setup) throw new Error(`add a resource for PATCH ${path} to this test`);
      const resource = await setup();
      const before = await aviso.request('GET', resource.path);
      const patched = await aviso.request('PATCH', resource.path, { body: {} });
      expect(patched.status, path).toBe(200);
      expect(withoutTimes(patched.body), path).toEqual(withoutTimes(before.body));
    }
  });

  it('keep a provider disabled when only its rate limit changes', async () => {
    const created = await aviso.request('POST', '/v1/providers', {
      body: { name: 'quiet', type: 'capture', channel: 'sms', enabled: false },
    });
    expect(created.body.enabled).toBe(false);
    const patched = await aviso.request('PATCH', `/v1/providers/${created.body.id}`, {
      body: { rateLimit: 5 },
    });
    expect(patched.body).toMatchObject({ enabled: false, rateLimit: 5 });
    expect((await aviso.request('GET', `/v1/providers/${created.body.id}`)).body).toMatchObject({
      enabled: false,
      rateLimit: 5,
    });
  });

  it("keep a webhook's enabled state and event types when only its description changes", async () => {
    const created = await aviso.request('POST', '/v1/webhooks', {
      body: { url: 'http://127.0.0.1:9/hook', eventTypes: ['delivered'] },
    });
    const id = created.body.id as string;
    await aviso.request('PATCH', `/v1/webhooks/${id}`, { body: { enabled: false } });
    const patched = await aviso.request('PATCH', `/v1/webhooks/${id}`, { body: { description: 'Orders' } });
    expect(patched.body).toMatchObject({ description: 'Orders', enabled: false, eventTypes: ['delivered'] });
  });

  it("keep the project's other settings when one of them changes", async () => {
    await aviso.request('PATCH', '/v1/project', {
      body: { tracking: { opens: true, clicks: false }, softBounces: { limit: 5, days: 10 } },
    });
    const patched = await aviso.request('PATCH', '/v1/project', { body: { softBounces: { limit: 2 } } });
    expect(patched.body).toMatchObject({
      tracking: { opens: true, clicks: false },
      softBounces: { limit: 2, days: 10 },
    });
    const again = await aviso.request('PATCH', '/v1/project', { body: { tracking: { clicks: true } } });
    expect(again.body).toMatchObject({
      tracking: { opens: true, clicks: true },
      softBounces: { limit: 2, days: 10 },
    });
  });
});
