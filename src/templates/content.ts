// What a template and a layout are made of, as zod schemas: the API body, the stored draft and
// every published version share this one shape. Content is per locale, then per channel.
// Syntax (Liquid, MJML) is checked in validate.ts, not here.
import { z } from 'zod';
import { streams } from '../vocabulary.ts';

const custom = (code: string, message: string) => ({ message, params: { code } });

export const templateKeySchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, {
    message: 'A key is lower-case letters, digits, ".", "_" and "-" (at most 100).',
  })
  .meta({ examples: ['order-confirmation'] });

/** BCP 47 language tags as people write them: `en`, `es`, `es-MX`, `pt-BR`, `zh-Hant-TW`. */
export const localeSchema = z
  .string()
  .regex(/^[a-z]{2,3}(-[A-Z][a-z]{3})?(-([A-Z]{2}|\d{3}))?$/, {
    message: 'Write a locale such as "en", "es" or "es-MX".',
  })
  .meta({ examples: ['en', 'es-MX'] });

const liquid = (max: number) => z.string().max(max);

const emailContentSchema = z
  .strictObject({
    subject: liquid(998)
      .min(1)
      .meta({ description: 'Liquid, rendered as plain text (no HTML escaping), line breaks removed.' }),
    preheader: liquid(500)
      .optional()
      .meta({ description: 'The preview line inboxes show after the subject; Liquid.' }),
    mjml: liquid(500_000).optional().meta({
      description:
        'MJML with Liquid. With a layout: the body sections only; without: a whole <mjml> document.',
    }),
    html: liquid(500_000)
      .optional()
      .meta({ description: 'HTML with Liquid, when not using MJML. CSS in <style> is inlined.' }),
    text: liquid(200_000)
      .optional()
      .meta({ description: 'The plain-text part; generated from the HTML when missing.' }),
  })
  .superRefine((e, ctx) => {
    if (e.mjml !== undefined && e.html !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['html'],
        ...custom('conflicting_fields', 'Give "mjml" or "html", not both.'),
      });
    }
    if (e.mjml === undefined && e.html === undefined && e.text === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['mjml'],
        ...custom('content_missing', 'Give "mjml", "html" or "text".'),
      });
    }
  })
  .meta({ id: 'TemplateEmail' });

const smsContentSchema = z
  .strictObject({
    text: liquid(5000).min(1).meta({ description: 'Liquid, plain text.' }),
    transliterate: z.boolean().default(false).meta({
      description:
        'Replace characters outside GSM-7 (á → a, “ → ") so the text stays in cheaper GSM-7 segments.',
    }),
  })
  .meta({ id: 'TemplateSms' });

const whatsappContentSchema = z
  .strictObject({
    template: z
      .string()
      .regex(/^[a-z0-9_]{1,512}$/, {
        message: 'A WhatsApp template name is lower-case letters, digits and "_".',
      })
      .meta({ description: 'The name of the template approved in WhatsApp Manager.' }),
    language: z.string().regex(/^[a-z]{2,3}(_[A-Z]{2})?$/, {
      message: 'Write a WhatsApp language code such as "en", "es" or "es_MX".',
    }),
    parameters: z
      .strictObject({
        header: z.array(liquid(1000)).max(1).optional(),
        body: z.array(liquid(1024)).max(100).optional(),
        buttons: z
          .array(z.strictObject({ index: z.number().int().min(0).max(9), text: liquid(2000) }))
          .max(10)
          .optional(),
      })
      .default({})
      .meta({
        description:
          'Liquid for each positional parameter: body[0] fills {{1}} of the approved body, body[1] {{2}}, …',
      }),
  })
  .meta({ id: 'TemplateWhatsApp' });

const localeContentSchema = z
  .strictObject({
    email: emailContentSchema.optional(),
    sms: smsContentSchema.optional(),
    whatsapp: whatsappContentSchema.optional(),
  })
  .refine(
    (l) => l.email || l.sms || l.whatsapp,
    custom('content_missing', 'Give content for at least one channel.'),
  )
  .meta({ minProperties: 1 });

const localesOf = <T extends z.ZodType>(content: T) =>
  z
    .record(localeSchema, content)
    .refine(
      (l) => Object.keys(l).length >= 1,
      custom('content_missing', 'Give content for at least one locale.'),
    )
    .refine((l) => Object.keys(l).length <= 50, custom('invalid_value', 'At most 50 locales.'))
    .meta({ minProperties: 1, maxProperties: 50 });

/** Seconds a message is worth sending: from 10 s to 7 days. */
export const validForSchema = z
  .number()
  .int()
  .min(10)
  .max(7 * 24 * 3600);

export const trackingSchema = z
  .strictObject({
    opens: z.boolean().optional().meta({ description: 'Add an open pixel to the HTML.' }),
    clicks: z.boolean().optional().meta({ description: 'Send links through a signed redirect.' }),
  })
  .meta({ id: 'Tracking' });

const categorySchema = z.enum(streams).meta({
  description: 'transactional: sent without consent; promotional: needs consent and carries unsubscribe.',
});

export const templateContentSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    category: categorySchema.default('transactional'),
    layout: templateKeySchema
      .nullable()
      .default(null)
      .meta({ description: 'Key of the layout that wraps the email.' }),
    validFor: validForSchema.optional().meta({
      description:
        'Seconds a message is worth sending (a 2FA code: 600); not sent by then, it ends as expired instead of arriving late.',
    }),
    tracking: trackingSchema.optional().meta({
      description:
        'Open and click tracking for messages of this template, over the project default (a request may still choose). 2FA and password-reset templates should say {"opens": false, "clicks": false}.',
    }),
    bypassBounceSuppression: z.boolean().optional().meta({
      description:
        'Send even to recipients suppressed for bounces (never for complaints, unsubscribes or manual suppressions): for 2FA codes and password resets, where a mailbox that bounced once may work again and the user is waiting.',
    }),
    locales: localesOf(localeContentSchema),
  })
  .meta({ id: 'TemplateContent' });

export const layoutContentSchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    description: z.string().max(2000).optional(),
    locales: localesOf(
      z.strictObject({
        email: z
          .strictObject({
            mjml: liquid(500_000)
              .optional()
              .meta({ description: 'A whole <mjml> document with {{ content }} where the template goes.' }),
            html: liquid(500_000).optional().meta({ description: 'HTML with {{ content }}.' }),
            text: liquid(200_000).optional().meta({ description: 'Text with {{ content }}.' }),
          })
          .refine((e) => (e.mjml === undefined) !== (e.html === undefined), {
            message: 'Give "mjml" or "html" (one of them).',
            path: ['mjml'],
            params: { code: 'content_missing' },
          }),
      }),
    ),
  })
  .meta({ id: 'LayoutContent' });

export const sampleDataSchema = z
  .record(z.string(), z.unknown())
  .meta({ description: 'Example data, used by previews when a render gives none.' });

export type LocaleContent = z.output<typeof localeContentSchema>;
export type TemplateContent = z.output<typeof templateContentSchema>;
export type LayoutContent = z.output<typeof layoutContentSchema>;
export type LayoutEmail = LayoutContent['locales'][string]['email'];
export type TemplateKind = 'template' | 'layout';
export type Content<K extends TemplateKind> = K extends 'template' ? TemplateContent : LayoutContent;

/** The placeholder a layout carries where the template's content goes. */
export const contentPlaceholder = /\{\{-?\s*content\s*-?\}\}/g;
