// /v1/templates, minimal: store a template under a key and read it back. Sends refer to it
// by key. The templates issue adds versions, locales, layouts and previews.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { getTemplate, listTemplates, putTemplate, type StoredTemplate } from '../templates/index.ts';
import { errorResponses } from './schemas.ts';

const keyParams = z.object({
  key: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, {
    message: 'A template key is lower-case letters, digits, ".", "_" and "-".',
  }),
});

const templateBody = z
  .strictObject({
    subject: z.string().min(1).max(998).meta({ description: 'Liquid, rendered as plain text.' }),
    html: z.string().max(5_000_000).optional().meta({ description: 'Liquid; values are HTML-escaped.' }),
    text: z.string().max(5_000_000).optional().meta({ description: 'Liquid, plain text.' }),
  })
  .refine((t) => t.html !== undefined || t.text !== undefined, {
    message: 'Give "html" and/or "text".',
    path: ['html'],
    params: { code: 'content_missing' },
  })
  .meta({ id: 'TemplateContent' });

const templateSchema = z
  .object({
    key: z.string(),
    subject: z.string(),
    html: z.string().nullable(),
    text: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Template' });

const view = (t: StoredTemplate) => ({
  ...t,
  createdAt: t.createdAt.toISOString(),
  updatedAt: t.updatedAt.toISOString(),
});

export async function templateRoutes(app: FastifyInstance, deps: { db: Kysely<Database> }) {
  const { db } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.put(
    '/v1/templates/:key',
    {
      schema: {
        summary: 'Create or replace a template',
        tags: ['templates'],
        params: keyParams,
        body: templateBody,
        response: { 200: templateSchema, ...errorResponses },
      },
    },
    async (request) => view(await putTemplate(db, request.auth.projectId, request.params.key, request.body)),
  );

  r.get(
    '/v1/templates/:key',
    {
      schema: {
        summary: 'A template',
        tags: ['templates'],
        params: keyParams,
        response: { 200: templateSchema, ...errorResponses },
      },
    },
    async (request) => {
      const template = await getTemplate(db, request.auth.projectId, request.params.key);
      if (!template) throw new ApiError('not_found', 'No template has this key.', 'key');
      return view(template);
    },
  );

  r.get(
    '/v1/templates',
    {
      schema: {
        summary: 'All templates',
        tags: ['templates'],
        response: { 200: z.object({ data: z.array(templateSchema) }), ...errorResponses },
      },
    },
    async (request) => ({ data: (await listTemplates(db, request.auth.projectId)).map(view) }),
  );
}
