// The starter gallery, as every new project gets it: each template in English and Spanish,
// rendered from its published version with its sample data. Golden files hold the subject,
// text part, SMS and WhatsApp parameters (review a change with `vitest -u` and git diff); the
// HTML is checked for the personal values, the layout and MJML's mobile media queries, and
// screenshotted in Chromium at 375 and 1200 px into test-output/screenshots/ for people to see.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDefaultProject } from '../src/projects/projects.ts';
import { previewTemplate } from '../src/templates/preview.ts';
import { starterFolder } from '../src/templates/starters.ts';
import { listTemplates } from '../src/templates/store.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';
import { closeBrowser, screenshotHtml, skipWithoutChromium } from './helpers/screenshot.ts';

let database: TestDatabase;
let projectId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  projectId = (await ensureDefaultProject(database.db)).id;
});

afterAll(async () => {
  await closeBrowser();
  await database?.drop();
});

const starters = (await starterFolder()).templates;
const keys = starters.map((t) => t.key);
const locales = ['en', 'es'] as const;

/** The recipient's first name, wherever the starter keeps it. */
function firstName(data: Record<string, unknown>): string | undefined {
  for (const holder of ['customer', 'user', 'attendee']) {
    const name = (data[holder] as { firstName?: string } | undefined)?.firstName;
    if (name) return name;
  }
  return undefined;
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

describe('the starter gallery', () => {
  it('has every template the issue lists, installed and published in the default project', async () => {
    expect(keys.sort()).toEqual([
      'account-created',
      'appointment-reminder',
      'event-registration',
      'invoice',
      'order-confirmation',
      'password-changed',
      'password-reset',
      'satisfaction-survey',
      'shipping-update',
      'subscription-renewal',
      'two-factor-code',
    ]);
    const installed = await listTemplates(database.db, projectId, 'template');
    for (const key of keys) {
      expect(installed.find((t) => t.key === key)).toMatchObject({
        latestVersion: 1,
        unpublishedChanges: false,
      });
    }
    expect((await listTemplates(database.db, projectId, 'layout')).map((l) => l.key)).toEqual(['default']);
  });

  describe.each(keys)('%s', (key) => {
    const starter = starters.find((t) => t.key === key);
    it.each(locales)('renders in %s with its sample data', async (locale) => {
      const preview = await previewTemplate(database.db, projectId, key, {
        version: 1,
        locale,
        timezone: 'UTC',
      });
      expect(preview.locale).toBe(locale);
      const email = preview.email;
      expect(email?.subject.length).toBeGreaterThan(5);
      expect(email?.html).toBeDefined();
      expect(email?.text?.length).toBeGreaterThan(80);
      const html = email?.html as string;
      for (const part of [email?.subject, html, email?.text, preview.sms?.text]) {
        expect(part ?? '').not.toMatch(/\{\{|\{%/);
      }
      expect(html).toMatch(/@media only screen and \(min-width:480px\)/);
      expect(html).toContain('Acme');
      expect(html).toContain(`lang="${locale}"`);
      const name = firstName(starter?.sampleData ?? {});
      if (name) {
        expect(html).toContain(escapeHtml(name));
        expect(email?.text).toContain(name);
      }
      if (preview.sms) expect(preview.sms.segments).toBeGreaterThanOrEqual(1);
      const golden = [
        `subject: ${email?.subject}`,
        '',
        email?.text,
        ...(preview.sms
          ? ['', `--- sms (${preview.sms.encoding}, ${preview.sms.segments} segment(s))`, preview.sms.text]
          : []),
        ...(preview.whatsapp ? ['', '--- whatsapp', JSON.stringify(preview.whatsapp, null, 2)] : []),
        '',
      ].join('\n');
      await expect(golden).toMatchFileSnapshot(join('golden', 'starters', `${key}.${locale}.txt`));
    });
  });

  it('shows the promo block only when the data has a promo code, and formats money per locale', async () => {
    const sample = starters.find((t) => t.key === 'order-confirmation')?.sampleData as Record<
      string,
      unknown
    >;
    const render = (data: Record<string, unknown>, locale: string) =>
      previewTemplate(database.db, projectId, 'order-confirmation', { version: 1, locale, data });
    const withPromo = await render(sample, 'en');
    const code = (sample.promo as { code: string }).code;
    expect(withPromo.email?.html).toContain(code);
    const { promo: _, ...noPromo } = sample;
    const without = await render(noPromo, 'en');
    expect(without.email?.html).not.toContain(code);
    expect(without.email?.text).not.toContain(code);

    const order = sample.order as { total: number; currency: string };
    for (const locale of locales) {
      const total = new Intl.NumberFormat(locale, { style: 'currency', currency: order.currency }).format(
        order.total,
      );
      expect((await render(sample, locale)).email?.html).toContain(total);
    }
    const crossSell = sample.crossSell as { name: string }[];
    expect(withPromo.email?.html).toContain(escapeHtml(crossSell[0]?.name as string));
  });

  it('gives the 2FA code as SMS in one segment in both languages', async () => {
    for (const locale of locales) {
      const preview = await previewTemplate(database.db, projectId, 'two-factor-code', {
        version: 1,
        locale,
      });
      expect(preview.sms?.segments).toBe(1);
      expect(preview.sms?.text).toContain(
        String(starters.find((t) => t.key === 'two-factor-code')?.sampleData.code),
      );
    }
  });

  it('looks right on a phone (375 px, no sideways scrolling) and on a desktop (1200 px)', async (context) => {
    skipWithoutChromium(context);
    const outDir = join('test-output', 'screenshots');
    for (const key of keys) {
      for (const locale of locales) {
        const preview = await previewTemplate(database.db, projectId, key, { version: 1, locale });
        const shots = await screenshotHtml(preview.email?.html as string, {
          widths: [375, 1200],
          outDir,
          name: `${key}.${locale}`,
        });
        const [phone, desktop] = shots;
        expect(phone?.scrollWidth, `${key}.${locale} overflows at 375 px`).toBeLessThanOrEqual(375);
        expect(desktop?.scrollWidth).toBeLessThanOrEqual(1200);
        // Columns stack on a phone: the same email is never shorter there.
        expect(phone?.height).toBeGreaterThanOrEqual(desktop?.height as number);
      }
    }
  }, 120_000);
});
