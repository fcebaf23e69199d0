import { describe, expect, it } from 'vitest';
import type { ApiError } from '../errors/index.ts';
import { compiledTemplate, compileStats, compileTemplate } from './compile.ts';
import { htmlEngine, parseLiquid, textEngine } from './liquid.ts';
import { compileSource } from './published.ts';
import { renderTemplate } from './render.ts';

const en = { locale: 'en', timezone: 'UTC' };

const text = (source: string, data: Record<string, unknown> = {}, env = en) =>
  textEngine.renderSync(textEngine.parse(source), data, { globals: { aviso: env } }) as string;

describe('the Liquid sandbox', () => {
  it('refuses file includes at parse time', () => {
    for (const source of ["{% include '/etc/passwd' %}", "{% render 'x' %}", "{% layout 'base' %}x"]) {
      expect(() => textEngine.parse(source)).toThrow(/not available/);
    }
  });

  it('gives no access to prototypes or constructors', () => {
    expect(() => text('{{ constructor.constructor }}')).toThrow(/undefined variable/);
    expect(() => text('{{ a.constructor.name }}', { a: {} })).toThrow(/undefined variable/);
    expect(() => text('{{ a.__proto__ }}', { a: {} })).toThrow(/undefined variable/);
    expect(() => text("{{ 'x' | constructor }}")).toThrow(/undefined filter/);
  });

  it('stops a loop over 10⁹ items and nested loops that would run forever', () => {
    expect(() => text('{% for i in (1..1000000000) %}{{ i }}{% endfor %}')).toThrow(/limit exceeded/);
    expect(() =>
      text('{% for i in (1..100000) %}{% for j in (1..100000) %}{% endfor %}{% endfor %}'),
    ).toThrow(/limit exceeded/);
  });

  it('bounds the output a render may build', () => {
    expect(() =>
      text(
        '{% assign s = "xxxxxxxxxx" %}{% for i in (1..30) %}{% assign s = s | append: s %}{% endfor %}{{ s }}',
      ),
    ).toThrow(/limit exceeded/);
  });

  it('allows an absent value only where the template tests for it', () => {
    expect(text('{% if promo %}{{ promo.code }}{% endif %}|{{ x | default: "none" }}')).toBe('|none');
    expect(() => text('{{ promo.code }}')).toThrow(/undefined variable: promo/);
  });

  it('reports syntax errors with line and column', () => {
    try {
      parseLiquid(htmlEngine, 'one\ntwo {{ x | nofilter }}', 'locales.en.email.html');
      expect.unreachable();
    } catch (err) {
      expect((err as ApiError).toBody().error).toMatchObject({
        code: 'template_invalid',
        path: 'locales.en.email.html',
        line: 2,
        column: 5,
      });
    }
  });
});

describe('filters', () => {
  it.each([
    ['en', 1234.5, 'EUR', '€1,234.50'],
    ['es', 1234.5, 'EUR', '1234,50 €'],
    ['es-MX', 1234.5, 'MXN', '$1,234.50'],
    ['de', '99.9', 'eur', '99,90 €'],
    ['en-US', 0, 'USD', '$0.00'],
  ])('money in %s: %s %s → %s', (locale, amount, currency, expected) => {
    expect(
      text('{{ a | money: c }}', { a: amount, c: currency }, { locale, timezone: 'UTC' }).replace(/\s/g, ' '),
    ).toBe(expected.replace(/\s/g, ' '));
  });

  it('refuses money without a number or a currency', () => {
    expect(() => text('{{ "abc" | money: "EUR" }}')).toThrow(/expected a number/);
    expect(() => text('{{ 3 | money }}')).toThrow(/currency code/);
  });

  it("formats dates in the recipient's timezone and locale", () => {
    const at = '2026-11-22T23:30:00Z';
    expect(text('{{ d | format_date: "long" }}', { d: at })).toBe('November 22, 2026');
    expect(
      text('{{ d | format_date: "long" }}', { d: at }, { locale: 'es', timezone: 'Europe/Madrid' }),
    ).toBe('23 de noviembre de 2026');
    expect(
      text(
        '{{ d | format_datetime: "short" }}',
        { d: at },
        { locale: 'es-MX', timezone: 'America/Mexico_City' },
      ),
    ).toMatch(/^22\/11\/26,? 5:30\sp\.\s?m\.$/);
    expect(
      text('{{ d | format_time: "short" }}', { d: at }, { locale: 'es', timezone: 'Europe/Madrid' }),
    ).toBe('0:30');
    expect(
      text('{{ d | format_time: "short" }}', { d: at }, { locale: 'en-US', timezone: 'America/New_York' }),
    ).toMatch(/^6:30\sPM$/);
    expect(() => text('{{ d | format_date: "huge" }}', { d: at })).toThrow(/style/);
    expect(() => text('{{ "soon" | format_date }}')).toThrow(/expected a date/);
  });
});

describe('renderTemplate', () => {
  it('renders subject and SMS as plain text and escapes only the HTML', async () => {
    const compiled = await compileTemplate({
      content: {
        email: { subject: 'Hi {{ name }}\nthere', html: '<p>{{ name }}</p>' },
        sms: { text: 'Hi {{ name }} & co', transliterate: false },
      },
      path: 'locales.en',
    });
    const out = renderTemplate(compiled, { name: 'Ana & <Bo>' }, en);
    expect(out.email?.subject).toBe('Hi Ana & <Bo> there');
    expect(out.email?.html).toContain('<p>Ana &amp; &lt;Bo&gt;</p>');
    expect(out.email?.text).toBe('Ana & <Bo>');
    expect(out.sms?.text).toBe('Hi Ana & <Bo> & co');
  });

  it('transliterates SMS to GSM-7 only when the template asks', async () => {
    const compile = (transliterate: boolean) =>
      compileTemplate({
        content: { sms: { text: 'Tu cita: {{ when }}', transliterate } },
        path: 'locales.es',
      });
    const plain = renderTemplate(await compile(false), { when: 'sábado' }, en).sms;
    const smart = renderTemplate(await compile(true), { when: 'sábado' }, en).sms;
    expect(plain).toMatchObject({ encoding: 'UCS-2', nonGsmCharacters: ['á'] });
    expect(smart).toMatchObject({ text: 'Tu cita: sabado', encoding: 'GSM-7' });
  });

  it('lists every missing path at once', async () => {
    const compiled = await compileTemplate({
      content: {
        email: {
          subject: '{{ order.number }}',
          text: '{{ customer.name }} {% for i in order.items %}{{ i.name }} {{ i.price | money: "EUR" }}{% endfor %}',
        },
      },
      path: 'locales.en',
    });
    try {
      renderTemplate(
        compiled,
        { order: { number: 1, items: [{ name: 'a', price: 1 }, { price: 2 }, { name: 'c' }] } },
        en,
      );
      expect.unreachable();
    } catch (err) {
      const details = (err as ApiError).details?.map((d) => d.path);
      expect(details).toEqual(['data.customer', 'data.order.items[].name', 'data.order.items[].price']);
    }
  });

  it('builds WhatsApp components from the positional parameters', async () => {
    const compiled = await compileTemplate({
      content: {
        whatsapp: {
          template: 'order_shipped',
          language: 'es_MX',
          parameters: { body: ['{{ name }}', '#{{ n }}'], buttons: [{ index: 0, text: '{{ tracking }}' }] },
        },
      },
      path: 'locales.es',
    });
    expect(renderTemplate(compiled, { name: 'Ana', n: 12, tracking: 'TR1' }, en).whatsapp).toEqual({
      template: 'order_shipped',
      language: 'es_MX',
      components: [
        {
          type: 'body',
          parameters: [
            { type: 'text', text: 'Ana' },
            { type: 'text', text: '#12' },
          ],
        },
        { type: 'button', sub_type: 'url', index: '0', parameters: [{ type: 'text', text: 'TR1' }] },
      ],
    });
  });
});

describe('compiling', () => {
  it('wraps content in the layout, turns MJML into responsive HTML and derives the text part', async () => {
    const compiled = await compileTemplate({
      content: {
        email: {
          subject: 's',
          preheader: 'Pre {{ who }}',
          mjml: '<mj-section><mj-column><mj-text><h1>Hello {{ who }}</h1><a href="{{ url }}">Open</a></mj-text></mj-column></mj-section>',
        },
      },
      layout: {
        mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>HEADER</mj-text></mj-column></mj-section>\n{{ content }}\n</mj-body></mjml>',
      },
      path: 'locales.en',
    });
    const out = renderTemplate(compiled, { who: 'Ana', url: 'https://example.com/x?a=1&b=2' }, en).email;
    expect(out?.html).toContain('HEADER');
    expect(out?.html).toContain('Hello Ana');
    expect(out?.html).toContain('href="https://example.com/x?a=1&amp;b=2"');
    expect(out?.html).toMatch(/@media only screen and \(min-width:480px\)/);
    expect(out?.html).toContain('Pre Ana');
    expect(out?.text).toContain('Hello Ana');
    expect(out?.text).toContain('Open [https://example.com/x?a=1&b=2]');
    expect(out?.text).not.toContain('Pre Ana');
  });

  it("picks the layout's locale like the template's: the locale, its parents, then the project's", async () => {
    const layout = {
      name: 'L',
      locales: {
        en: { email: { html: '<p>Bye</p>{{ content }}' } },
        es: { email: { html: '<p>Adiós</p>{{ content }}' } },
      },
    };
    const content = {
      name: 'T',
      category: 'transactional' as const,
      layout: 'l',
      locales: { fr: { email: { subject: 's', html: '<p>Bonjour</p>' } } },
    };
    const html = async (defaultLocale: string) =>
      renderTemplate(
        await compileTemplate(
          compileSource(`test/layout-locale/${defaultLocale}`, content, layout, 'fr', defaultLocale).input(),
        ),
        {},
        en,
      ).email?.html;
    expect(await html('es')).toContain('Adiós');
    expect(await html('en')).toContain('Bye');
  });

  it('inlines the CSS of HTML templates', async () => {
    const compiled = await compileTemplate({
      content: { email: { subject: 's', html: '<style>p { color: red }</style><p>{{ x }}</p>' } },
      path: 'locales.en',
    });
    expect(renderTemplate(compiled, { x: 1 }, en).email?.html).toMatch(/<p style="color: ?red;?">1<\/p>/);
  });

  it('compiles once per id, even when many renders ask at the same moment', async () => {
    const before = compileStats.compiles;
    const input = () => ({ content: { email: { subject: 'x', text: 'y' } }, path: 'locales.en' });
    const all = await Promise.all(
      Array.from({ length: 10 }, () => compiledTemplate('test/once@1/en', input)),
    );
    expect(new Set(all).size).toBe(1);
    expect(compileStats.compiles - before).toBe(1);
  });
});
