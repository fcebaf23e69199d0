// One tenant's template must never harm another tenant or the process: names that reach
// prototypes are refused, heavy template work runs in the template threads (the API keeps
// answering /healthz meanwhile), and sizes, nesting, time and output are bounded, each with a
// 422 that names the limit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateLimits } from '../src/templates/index.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';

let aviso: TestAviso;
const timeLimitMs = 1500;

beforeAll(async () => {
  aviso = await startTestAviso({ AVISO_TEMPLATE_TIME_LIMIT_MS: String(timeLimitMs) });
});
afterAll(async () => aviso?.stop());

/** A templated send that needs the data and the template threads working. */
const resetSend = {
  to: 'ana@example.com',
  template: 'password-reset',
  data: {
    user: { firstName: 'Ana', email: 'ana@example.com' },
    reset: { url: 'https://x.test/r', expiresInMinutes: 60 },
  },
};

const email = (fields: Record<string, string>) => ({
  name: 'T',
  locales: { en: { email: { subject: 'Hi', ...fields } } },
});

/** Runs `work` while asking /healthz every 40 ms; returns its result and the slowest answer. */
async function healthzDuring<T>(
  work: () => Promise<T>,
): Promise<{ result: T; worstMs: number; probes: number }> {
  let done = false;
  const times: number[] = [];
  const probing = (async () => {
    while (!done) {
      const started = performance.now();
      const answer = await fetch(`${aviso.url}/healthz`);
      await answer.text();
      expect(answer.status).toBe(200);
      times.push(performance.now() - started);
      await new Promise((r) => setTimeout(r, 40));
    }
  })();
  // Let the first probe open its connection before the work starts.
  await new Promise((r) => setTimeout(r, 60));
  try {
    return { result: await work(), worstMs: Math.max(...times), probes: times.length };
  } finally {
    done = true;
    await probing;
  }
}

describe('prototype names in templates', () => {
  it('refuses __proto__ in a variable at save time, and other projects keep sending', async () => {
    const pp = await aviso.request('PUT', '/v1/templates/pp', {
      body: { name: 'pp', locales: { en: { email: { subject: '{{ a.__proto__.b }}', text: 'x' } } } },
    });
    expect(pp.status).toBe(422);
    expect(pp.body.error).toMatchObject({
      code: 'template_invalid',
      path: 'locales.en.email.subject',
      line: 1,
    });
    expect(pp.body.error.message).toMatch(/"__proto__" cannot be part of a variable name/);
    for (const source of ['{{ x["constructor"] }}', '{% for p in list.prototype %}{{ p }}{% endfor %}']) {
      const refused = await aviso.request('PUT', '/v1/templates/pp', {
        body: { name: 'pp', locales: { en: { email: { subject: 'Hi', text: source } } } },
      });
      expect(refused.status).toBe(422);
      expect(refused.body.error).toMatchObject({ code: 'template_invalid', path: 'locales.en.email.text' });
    }
    expect((await aviso.request('GET', '/v1/templates/pp')).status).toBe(404);

    const other = await aviso.otherProjectKey();
    const sent = await aviso.request('POST', '/v1/messages', {
      key: other,
      body: resetSend,
    });
    expect(sent.status).toBe(202);
    expect(Object.keys(Object.prototype)).toEqual([]);
  });

  it('describes an old stored template with such a path without touching any prototype', async () => {
    expect(
      (await aviso.request('PUT', '/v1/templates/legacy', { body: email({ text: '{{ a.b }}' }) })).status,
    ).toBe(201);
    // A row saved before the rule existed: written straight into the table.
    await aviso.database.db
      .updateTable('templates')
      .set({ draft: JSON.stringify(email({ text: '{{ a.__proto__.type }} {{ constructor.name }}' })) })
      .where('key', '=', 'legacy')
      .execute();
    const read = await aviso.request('GET', '/v1/templates/legacy');
    expect(read.status).toBe(200);
    expect(Object.keys(read.body.variables.schema.properties.a.properties)).toEqual(['__proto__']);
    expect(Object.keys(Object.prototype)).toEqual([]);
    const sent = await aviso.request('POST', '/v1/messages', {
      body: resetSend,
    });
    expect(sent.status).toBe(202);
  });
});

describe('template work that cannot block the API', () => {
  it('stops a publish whose CSS inlining is too slow, while /healthz answers at once', async () => {
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `<tr><td class="c${i % 50}">cell ${i}</td><td class="d">x</td></tr>`,
    ).join('');
    const css = Array.from(
      { length: 300 },
      (_, i) => `.c${i} td, table .c${i}{color:red;padding:${i}px}`,
    ).join('\n');
    const html = `<html><head><style>${css}</style></head><body><table>${rows}</table></body></html>`;
    expect((await aviso.request('PUT', '/v1/templates/slow-css', { body: email({ html }) })).status).toBe(
      201,
    );
    const { result, worstMs, probes } = await healthzDuring(() =>
      aviso.request('POST', '/v1/templates/slow-css/publish'),
    );
    expect(result.status).toBe(422);
    expect(result.body.error.code).toBe('template_too_slow');
    expect(result.body.error.message).toContain(`${timeLimitMs} ms`);
    expect(probes).toBeGreaterThanOrEqual(5);
    expect(worstMs).toBeLessThan(100);
  });

  it('answers a batch on a slow template within its budget, while /healthz answers at once', async () => {
    const slow = '{% for i in (1..200000) %}{% if i == 0 %}x{% endif %}{% endfor %}Hello';
    expect(
      (await aviso.request('PUT', '/v1/templates/slow-loop', { body: email({ text: slow }) })).status,
    ).toBe(201);
    expect((await aviso.request('POST', '/v1/templates/slow-loop/publish')).status).toBe(201);
    const messages = Array.from({ length: 20 }, (_, i) => ({
      to: `r${i}@example.com`,
      template: 'slow-loop',
    }));
    const started = performance.now();
    const { result, worstMs, probes } = await healthzDuring(() =>
      aviso.request('POST', '/v1/messages/batch', { body: { messages } }),
    );
    const tookMs = performance.now() - started;
    expect(result.status).toBe(200);
    expect(result.body.rejected).toBe(20);
    const codes = new Set(result.body.data.map((r: { error?: { code: string } }) => r.error?.code));
    // Each message takes about 0.6 s to render: the request's 1.5 s budget runs out first.
    expect(codes.has('template_too_slow')).toBe(true);
    expect(tookMs).toBeLessThan(timeLimitMs + 3000);
    expect(probes).toBeGreaterThanOrEqual(5);
    expect(worstMs).toBeLessThan(100);
  });

  it('refuses a save of thousands of outputs by their count, before parsing them', async () => {
    const html = '{{ a }}'.repeat(32_000);
    const saved = await aviso.request('PUT', '/v1/templates/many', { body: email({ html }) });
    expect(saved.status).toBe(422);
    expect(saved.body.error).toMatchObject({ code: 'template_too_large', path: 'locales.en.email.html' });
    expect(saved.body.error.message).toContain(
      `32000 Liquid tags and outputs; the limit is ${templateLimits.liquidNodes}`,
    );
  });

  it('refuses sources over their size limit before any work', async () => {
    const mjml = `<mjml><mj-body>${'<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>'.repeat(8000)}</mj-body></mjml>`;
    const saved = await aviso.request('PUT', '/v1/templates/huge', { body: email({ mjml }) });
    expect(saved.status).toBe(422);
    expect(saved.body.error).toMatchObject({ code: 'value_too_long', path: 'locales.en.email.mjml' });
  });

  it('refuses MJML nested too deep with its position, not a 500', async () => {
    const mjml = `<mjml><mj-body>${'<mj-wrapper>'.repeat(2000)}<mj-section><mj-column><mj-text>x</mj-text></mj-column></mj-section>${'</mj-wrapper>'.repeat(2000)}</mj-body></mjml>`;
    const saved = await aviso.request('PUT', '/v1/templates/deep', { body: email({ mjml }) });
    expect(saved.status).toBe(422);
    expect(saved.body.error).toMatchObject({
      code: 'template_too_large',
      path: 'locales.en.email.mjml',
      line: 1,
    });
  });

  it('refuses HTML nested deeper than CSS inlining can walk, not a 500', async () => {
    const html = `<html><head><style>div{color:red}</style></head><body>${'<div>'.repeat(20_000)}x${'</div>'.repeat(20_000)}</body></html>`;
    expect((await aviso.request('PUT', '/v1/templates/deep-html', { body: email({ html }) })).status).toBe(
      201,
    );
    const published = await aviso.request('POST', '/v1/templates/deep-html/publish');
    expect(published.status).toBe(422);
    expect(published.body.error.code).toBe('template_too_large');
  });

  it('bounds what a layout repeating its content renders to', async () => {
    const layout = {
      name: 'Loop',
      locales: {
        en: {
          email: { html: '<html><body>{% for i in (1..1000) %}{{ content }}{% endfor %}</body></html>' },
        },
      },
    };
    expect((await aviso.request('PUT', '/v1/layouts/loop', { body: layout })).status).toBe(201);
    expect((await aviso.request('POST', '/v1/layouts/loop/publish')).status).toBe(201);
    const template = { ...email({ html: `<p>${'x'.repeat(10_000)}</p>`, text: 'x' }), layout: 'loop' };
    expect((await aviso.request('PUT', '/v1/templates/multiplied', { body: template })).status).toBe(201);
    expect((await aviso.request('POST', '/v1/templates/multiplied/publish')).status).toBe(201);
    const sent = await aviso.request('POST', '/v1/messages', {
      body: { to: 'ana@example.com', template: 'multiplied' },
    });
    expect(sent.status).toBe(422);
    expect(sent.body.error).toMatchObject({ code: 'template_output_too_large', path: 'template' });
    expect(sent.body.error.message).toContain(String(templateLimits.output.html));
    const stored = await aviso.database.db
      .selectFrom('messages')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('template', '=', 'multiplied')
      .executeTakeFirstOrThrow();
    expect(Number(stored.n)).toBe(0);
  });
});
