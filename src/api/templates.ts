// /v1/templates and /v1/layouts: drafts, publishing, versions and rollback for both; for
// templates also the data they use, previews and test sends. Both kinds share one set of
// routes, built by `versionedRoutes`.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { addressSchema, isTimezone, sendTemplateTest } from '../messages/index.ts';
import { int4Max, timezonePattern } from '../schemas/index.ts';
import {
  type Content,
  deleteTemplate,
  describeContent,
  getTemplate,
  getVersion,
  layoutContentSchema,
  listTemplates,
  listVersions,
  localeSchema,
  previewTemplate,
  publishTemplate,
  type StoredTemplate,
  sampleDataSchema,
  saveDraft,
  saveSampleData,
  type TemplateContent,
  type TemplateKind,
  type TemplateVersion,
  templateContentSchema,
  templateKeySchema,
} from '../templates/index.ts';
import { channels } from '../vocabulary.ts';
import { acceptedView } from './messages.ts';
import { acceptedSchema, answer, errorAnswers, noContent } from './schemas.ts';

export interface TemplatesDeps {
  db: Kysely<Database>;
  config: Config;
  notify: (priority: number) => void;
}

const keyParams = z.object({ key: templateKeySchema });
const versionParams = keyParams.extend({ version: z.coerce.number().int().min(1).max(int4Max) });

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

const renderBody = z
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

const renderedSchema = z
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
        encoding: z.enum(['GSM-7', 'UCS-2']),
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

const testBody = renderBody
  .omit({ channels: true })
  .extend({
    to: z
      .string()
      .min(1)
      .meta({ description: 'An email address (or, once the SMS channel is configured, a phone number).' }),
    from: addressSchema.optional(),
  })
  .meta({ id: 'TemplateTestRequest' });

function storedView<K extends TemplateKind>(t: StoredTemplate<K>) {
  return {
    key: t.key,
    latestVersion: t.latestVersion,
    unpublishedChanges: t.unpublishedChanges,
    draft: t.draft,
    createdAt: t.createdAt.toISOString(),
    updatedAt: t.updatedAt.toISOString(),
  };
}

function summaryView<K extends TemplateKind>(t: StoredTemplate<K>) {
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

function versionView<K extends TemplateKind>(v: TemplateVersion<K>) {
  return {
    key: v.key,
    version: v.version,
    restoredFrom: v.restoredFrom,
    publishedAt: v.publishedAt.toISOString(),
    content: v.content,
  };
}

/** The CRUD, publish and version routes of templates (`/v1/templates`) or layouts (`/v1/layouts`). */
function versionedRoutes<K extends TemplateKind>(app: FastifyInstance, db: Kysely<Database>, kind: K) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = kind === 'template' ? '/v1/templates' : '/v1/layouts';
  const noun = kind;
  const Noun = kind === 'template' ? 'Template' : 'Layout';
  const tag = kind === 'template' ? 'templates' : 'layouts';
  const notFound = { 404: `No ${noun} of this project has this key.` };
  const versionNotFound = { 404: `No ${noun} of this project has this key, or it has no such version.` };
  const content = (kind === 'template' ? templateContentSchema : layoutContentSchema) as z.ZodType<
    Content<K>
  >;
  const extra = async (t: StoredTemplate<K>) =>
    kind === 'template'
      ? { sampleData: t.sampleData, variables: await describeContent(t.draft as TemplateContent) }
      : {};

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

  const save = async (projectId: string, key: string, body: Record<string, unknown>, createOnly = false) => {
    const { sampleData, ...rest } = body as { sampleData?: Record<string, unknown> };
    return saveDraft(db, projectId, kind, key, rest as Content<K>, { sampleData, createOnly });
  };

  r.get(
    base,
    {
      schema: {
        operationId: `list${Noun}s`,
        summary: `All ${noun}s`,
        description: `Each ${noun} in short: its name, locales, channels and latest version.`,
        tags: [tag],
        response: {
          200: answer(
            `The ${noun}s, by key.`,
            z.object({ data: z.array(summarySchema) }).meta({ id: `${Noun}SummaryList` }),
          ),
        },
      },
    },
    async (request) => ({ data: (await listTemplates(db, request.auth.projectId, kind)).map(summaryView) }),
  );

  r.post(
    base,
    {
      schema: {
        operationId: `create${Noun}`,
        summary: `Create a ${noun} (as a draft)`,
        description:
          'Checked first: Liquid and MJML errors come back with their line and column. Publish it to use it in sends.',
        tags: [tag],
        body: saveBody.extend({ key: templateKeySchema }),
        response: {
          201: answer(`The ${noun}, created.`, storedSchema),
          ...errorAnswers({ 409: `A ${noun} with this key exists already.` }),
        },
      },
    },
    async (request, reply) => {
      const { key, ...body } = request.body as { key: string } & Record<string, unknown>;
      const { template } = await save(request.auth.projectId, key, body, true);
      return reply.code(201).send({ ...storedView(template), ...(await extra(template)) } as never);
    },
  );

  r.put(
    `${base}/:key`,
    {
      schema: {
        operationId: `save${Noun}Draft`,
        summary: `Create or replace the draft of a ${noun}`,
        description:
          'Checked first: Liquid and MJML errors come back with their line and column. Sends are unaffected until you publish.',
        tags: [tag],
        params: keyParams,
        body: saveBody,
        response: {
          200: answer(`The ${noun}, with its draft replaced.`, storedSchema),
          201: answer(`The ${noun}, created.`, storedSchema),
        },
      },
    },
    async (request, reply) => {
      const { template, created } = await save(
        request.auth.projectId,
        request.params.key,
        request.body as Record<string, unknown>,
      );
      return reply
        .code(created ? 201 : 200)
        .send({ ...storedView(template), ...(await extra(template)) } as never);
    },
  );

  r.get(
    `${base}/:key`,
    {
      schema: {
        operationId: `get${Noun}`,
        summary: `A ${noun}: its draft, latest version number${kind === 'template' ? ', sample data and the data it uses' : ''}`,
        description: `The draft is what you edit; sends use the latest published version.`,
        tags: [tag],
        params: keyParams,
        response: { 200: answer(`The ${noun}.`, storedSchema), ...errorAnswers(notFound) },
      },
    },
    async (request) => {
      const template = await getTemplate(db, request.auth.projectId, kind, request.params.key);
      return { ...storedView(template), ...(await extra(template)) } as never;
    },
  );

  r.delete(
    `${base}/:key`,
    {
      schema: {
        operationId: `delete${Noun}`,
        summary: `Delete a ${noun} and all its versions`,
        description:
          kind === 'template'
            ? 'Messages already accepted keep their rendered content.'
            : 'Refused (409) while templates still use the layout.',
        tags: [tag],
        params: keyParams,
        response: {
          204: noContent('Deleted.'),
          ...(kind === 'template'
            ? errorAnswers(notFound)
            : errorAnswers({ ...notFound, 409: 'Templates still use this layout.' })),
        },
      },
    },
    async (request, reply) => {
      await deleteTemplate(db, request.auth.projectId, kind, request.params.key);
      return reply.code(204).send(null);
    },
  );

  r.post(
    `${base}/:key/publish`,
    {
      schema: {
        operationId: `publish${Noun}`,
        summary: `Publish the draft as the next version`,
        description: 'The draft must compile in every locale. Sends use the new version at once.',
        tags: [tag],
        params: keyParams,
        response: { 201: answer('The new version.', versionSchema), ...errorAnswers(notFound) },
      },
    },
    async (request, reply) => {
      const version = await publishTemplate(db, request.auth.projectId, kind, request.params.key);
      return reply.code(201).send(versionView(version) as never);
    },
  );

  r.get(
    `${base}/:key/versions`,
    {
      schema: {
        operationId: `list${Noun}Versions`,
        summary: 'Published versions, newest first',
        description: 'Every version ever published, with its content; history only grows.',
        tags: [tag],
        params: keyParams,
        response: {
          200: answer(
            'The versions, newest first.',
            z.object({ data: z.array(versionSchema) }).meta({ id: `${Noun}VersionList` }),
          ),
          ...errorAnswers(notFound),
        },
      },
    },
    async (request) => ({
      data: (await listVersions(db, request.auth.projectId, kind, request.params.key)).map(versionView),
    }),
  );

  r.get(
    `${base}/:key/versions/:version`,
    {
      schema: {
        operationId: `get${Noun}Version`,
        summary: 'One published version',
        description: 'Its content as published, and the version it restored if it was a rollback.',
        tags: [tag],
        params: versionParams,
        response: { 200: answer('The version.', versionSchema), ...errorAnswers(versionNotFound) },
      },
    },
    async (request) =>
      versionView(
        await getVersion(db, request.auth.projectId, kind, request.params.key, request.params.version),
      ),
  );

  r.post(
    `${base}/:key/versions/:version/publish`,
    {
      schema: {
        operationId: `republish${Noun}Version`,
        summary: 'Roll back: publish an older version again',
        description: 'Its content becomes the next version (history only grows); the draft is left as it is.',
        tags: [tag],
        params: versionParams,
        response: { 201: answer('The new version.', versionSchema), ...errorAnswers(versionNotFound) },
      },
    },
    async (request, reply) => {
      const { key, version } = request.params;
      const published = await publishTemplate(db, request.auth.projectId, kind, key, version);
      return reply.code(201).send(versionView(published) as never);
    },
  );
}

export async function templateRoutes(app: FastifyInstance, deps: TemplatesDeps) {
  const { db, config } = deps;
  versionedRoutes(app, db, 'template');
  versionedRoutes(app, db, 'layout');
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.put(
    '/v1/templates/:key/sample-data',
    {
      schema: {
        operationId: 'replaceTemplateSampleData',
        summary: 'Replace the sample data previews use',
        description: 'Previews and test sends use it when they are given no `data`.',
        tags: ['templates'],
        params: keyParams,
        body: sampleDataSchema,
        response: {
          204: noContent('Replaced.'),
          ...errorAnswers({ 404: 'No template of this project has this key.' }),
        },
      },
    },
    async (request, reply) => {
      await saveSampleData(db, request.auth.projectId, request.params.key, request.body);
      return reply.code(204).send(null);
    },
  );

  r.post(
    '/v1/templates/:key/render',
    {
      schema: {
        operationId: 'renderTemplate',
        summary: 'Preview: render without sending',
        description:
          'Returns the email (subject, HTML, text), the SMS text with its encoding and segment count, and the WhatsApp parameters. ' +
          'Missing data gives 422 template_variable_missing listing every missing path.',
        tags: ['templates'],
        params: keyParams,
        body: renderBody,
        response: {
          200: answer('The rendered parts, per channel.', renderedSchema),
          ...errorAnswers({ 404: 'No template of this project has this key, or it has no such version.' }),
        },
      },
    },
    async (request) => previewTemplate(db, request.auth.projectId, request.params.key, request.body) as never,
  );

  r.post(
    '/v1/templates/:key/test',
    {
      schema: {
        operationId: 'sendTemplateTest',
        summary: 'Send a test to one recipient',
        description:
          'Renders the draft (or a version) with the sample data (or `data`) and sends it like any message, ' +
          'with "[Test]" before the subject and the tag "test".',
        tags: ['templates'],
        params: keyParams,
        body: testBody,
        response: {
          202: answer('Accepted, like any message.', acceptedSchema),
          ...errorAnswers({ 404: 'No template of this project has this key, or it has no such version.' }),
        },
      },
    },
    async (request, reply) => {
      const message = await sendTemplateTest(
        db,
        config,
        request.auth.projectId,
        request.params.key,
        request.body,
      );
      deps.notify(message.priority);
      return reply.code(202).send(acceptedView(message));
    },
  );
}
