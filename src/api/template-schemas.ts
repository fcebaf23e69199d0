// The shapes of the template and layout routes' requests and answers, and the views that fill
// the answers. Templates and layouts share most of them; versionedSchemas gives one kind's.
import { z } from 'zod';
import { addressSchema, isTimezone } from '../messages/index.ts';
import { int4Max, timezonePattern } from '../schemas/index.ts';
import {
  type Content,
  layoutContentSchema,
  localeSchema,
  type StoredTemplate,
  sampleDataSchema,
  type TemplateKind,
  type TemplateVersion,
  templateContentSchema,
  templateKeySchema,
} from '../templates/index.ts';
import { channels, smsEncodings } from '../vocabulary.ts';

export const keyParams = z.object({ key: templateKeySchema });
export const versionParams = keyParams.extend({ version: z.coerce.number().int().min(1).max(int4Max) });

const variablesSchema = z
  .object({
    schema: z
      .record(z.string(), z.unknown())
      .meta({ description: 'JSON Schema of the data the template uses.' }),
    paths: z.array(
      z.object({
        path: z.string().meta({ examples: ['order.items[].price'] }),
        required: z.boolean().meta({ description: 'Used outside any condition and without `default`.' }),
        locations: z.array(z.object({ part: z.string(), line: z.number(), column: z.number() })),
      }),
    ),
  })
  .meta({ id: 'TemplateVariables', description: 'The data the template uses, inferred from its Liquid.' });

const channelsSchema = z.array(z.enum(channels)).min(1);

export const renderBody = z
  .strictObject({
    version: z
      .union([z.literal('draft'), z.number().int().min(1).max(int4Max)], {
        message: 'Give "draft" or the number of a published version.',
      })
      .default('draft')
      .meta({ description: '"draft" (the default) or a published version.' }),
    locale: localeSchema.optional(),
    timezone: z
      .string()
      .max(64)
      .refine(isTimezone, {
        message: 'Write an IANA timezone such as "Europe/Madrid".',
        params: { code: 'invalid_timezone' },
      })
      .optional()
      .meta({
        description:
          "An IANA time zone (Intl.supportedValuesOf('timeZone') of the server's Node.js) for dates; UTC when missing.",
        pattern: timezonePattern,
      }),
    data: z
      .record(z.string(), z.unknown())
      .optional()
      .meta({ description: "The template's stored sample data when missing." }),
    channels: channelsSchema
      .optional()
      .meta({ description: 'Only these channels; all the template has when missing.' }),
  })
  .meta({ id: 'RenderRequest' });

export const renderedSchema = z
  .object({
    key: z.string(),
    version: z.union([z.literal('draft'), z.number()]),
    locale: z.string(),
    category: z.string(),
    email: z
      .object({ subject: z.string(), html: z.string().optional(), text: z.string().optional() })
      .optional(),
    sms: z
      .object({
        text: z.string(),
        encoding: z.enum(smsEncodings),
        segments: z.number(),
        units: z.number(),
        perSegment: z.number(),
        unitsLeft: z.number(),
        nonGsmCharacters: z.array(z.string()).meta({ description: 'The characters that forced UCS-2.' }),
      })
      .optional(),
    whatsapp: z
      .object({
        template: z.string(),
        language: z.string(),
        components: z.array(z.record(z.string(), z.unknown())),
      })
      .optional()
      .meta({ description: 'The Cloud API template message parameters, as they would be sent.' }),
  })
  .meta({ id: 'RenderedTemplate' });

export const testBody = renderBody
  .omit({ channels: true })
  .extend({
    to: z
      .string()
      .min(1)
      .meta({ description: 'An email address (or, once the SMS channel is configured, a phone number).' }),
    from: addressSchema.optional(),
  })
  .meta({ id: 'TemplateTestRequest' });

/** One kind's answers and save body: templates and layouts differ in a few fields and in names. */
export function versionedSchemas<K extends TemplateKind>(kind: K) {
  const content = (kind === 'template' ? templateContentSchema : layoutContentSchema) as z.ZodType<
    Content<K>
  >;
  const storedSchema = z
    .object({
      key: z.string(),
      latestVersion: z
        .number()
        .nullable()
        .meta({ description: 'The version sends use; null until published.' }),
      unpublishedChanges: z.boolean().meta({ description: 'The draft differs from the latest version.' }),
      draft: content,
      createdAt: z.string(),
      updatedAt: z.string(),
      ...(kind === 'template' ? { sampleData: sampleDataSchema, variables: variablesSchema } : {}),
    })
    .meta({ id: kind === 'template' ? 'Template' : 'Layout' });
  const summarySchema = z
    .object({
      key: z.string(),
      name: z.string(),
      ...(kind === 'template' ? { category: z.string(), layout: z.string().nullable() } : {}),
      locales: z.array(z.string()),
      channels: z.array(z.string()),
      latestVersion: z.number().nullable(),
      unpublishedChanges: z.boolean(),
      updatedAt: z.string(),
    })
    .meta({ id: kind === 'template' ? 'TemplateSummary' : 'LayoutSummary' });
  const versionSchema = z
    .object({
      key: z.string(),
      version: z.number(),
      restoredFrom: z
        .number()
        .nullable()
        .meta({ description: 'Set when this version re-published an older one.' }),
      publishedAt: z.string(),
      content,
    })
    .meta({ id: kind === 'template' ? 'TemplateVersion' : 'LayoutVersion' });
  const saveBody = (content as unknown as z.ZodObject).extend(
    kind === 'template' ? { sampleData: sampleDataSchema.optional() } : {},
  );

  return { storedSchema, summarySchema, versionSchema, saveBody };
}

export function storedView<K extends TemplateKind>(t: StoredTemplate<K>) {
  return {
    key: t.key,
    latestVersion: t.latestVersion,
    unpublishedChanges: t.unpublishedChanges,
    draft: t.draft,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

export function summaryView<K extends TemplateKind>(t: StoredTemplate<K>) {
  const draft = t.draft as Content<TemplateKind>;
  const channels = new Set(Object.values(draft.locales).flatMap((l) => Object.keys(l)));
  return {
    key: t.key,
    name: draft.name,
    ...('category' in draft ? { category: draft.category, layout: draft.layout } : {}),
    locales: Object.keys(draft.locales),
    channels: [...channels],
    latestVersion: t.latestVersion,
    unpublishedChanges: t.unpublishedChanges,
    updatedAt: t.updatedAt.toISOString(),
  };
}

export function versionView<K extends TemplateKind>(v: TemplateVersion<K>) {
  return {
    key: v.key,
    version: v.version,
    restoredFrom: v.restoredFrom,
    publishedAt: v.publishedAt.toISOString(),
    content: v.content,
  };
}
