// /v1/templates and /v1/layouts: drafts, publishing, versions and rollback for both (the routes
// they share are in versioned-routes.ts); for templates also the sample data, previews and
// test sends.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { sendTemplateTest } from '../messages/index.ts';
import { previewTemplate, sampleDataSchema, saveSampleData } from '../templates/index.ts';
import { acceptedSchema, acceptedView, answer, errorAnswers, noContent } from './schemas.ts';
import { keyParams, renderBody, renderedSchema, testBody } from './template-schemas.ts';
import { versionedRoutes } from './versioned-routes.ts';

export interface TemplatesDeps {
  db: Kysely<Database>;
  config: Config;
  notify: (priority: number) => void;
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
