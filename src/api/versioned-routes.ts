// The routes templates and layouts share: create, list, read and delete them, save drafts,
// publish, list and read versions, and roll back. One function builds them for either kind
// (`/v1/templates` or `/v1/layouts`).
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import {
  type Content,
  deleteTemplate,
  describeContent,
  getTemplate,
  getVersion,
  listTemplates,
  listVersions,
  publishTemplate,
  type StoredTemplate,
  saveDraft,
  type TemplateContent,
  type TemplateKind,
  templateKeySchema,
} from '../templates/index.ts';
import { answer, errorAnswers, noContent } from './schemas.ts';
import {
  keyParams,
  storedView,
  summaryView,
  versionedSchemas,
  versionParams,
  versionView,
} from './template-schemas.ts';

/** The CRUD, publish and version routes of templates (`/v1/templates`) or layouts (`/v1/layouts`). */
export function versionedRoutes<K extends TemplateKind>(app: FastifyInstance, db: Kysely<Database>, kind: K) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const base = kind === 'template' ? '/v1/templates' : '/v1/layouts';
  const noun = kind;
  const Noun = kind === 'template' ? 'Template' : 'Layout';
  const tag = kind === 'template' ? 'templates' : 'layouts';
  const notFound = { 404: `No ${noun} of this project has this key.` };
  const versionNotFound = { 404: `No ${noun} of this project has this key, or it has no such version.` };
  const extra = async (t: StoredTemplate<K>) =>
    kind === 'template'
      ? { sampleData: t.sampleData, variables: await describeContent(t.draft as TemplateContent) }
      : {};

  const { storedSchema, summarySchema, versionSchema, saveBody } = versionedSchemas(kind);

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
