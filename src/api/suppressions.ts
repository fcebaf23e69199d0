// /v1/suppressions: the recipients a project does not send to, per stream, and why. Aviso adds
// them on hard bounces, complaints, unsubscribes and repeated soft bounces; people add them
// one by one or by CSV import, and remove them with a note. Every change is audited.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import {
  addSuppressions,
  importSuppressions,
  listSuppressions,
  parseSuppressionCsv,
  removeSuppressions,
  type Suppression,
  streams,
  suppressionAddress,
  suppressionReasons,
  suppressionsOf,
} from '../suppressions/index.ts';
import { answer, badCursor, cursorField, errorAnswers } from './schemas.ts';

export interface SuppressionsDeps {
  db: Kysely<Database>;
}

const streamSchema = z.enum(streams);

const suppressionSchema = z
  .object({
    address: z.string().meta({ description: 'Lower-case email address, or a phone number in E.164.' }),
    stream: streamSchema,
    reason: z.enum(suppressionReasons).meta({
      description:
        'hard-bounce, complaint (added on every stream), unsubscribe (promotional only), soft-bounces (the project’s limit within its window), manual.',
    }),
    details: z.record(z.string(), z.unknown()).meta({
      description: 'For bounces: the bounce reason, status, reply code and the server’s words.',
    }),
    messageId: z.string().nullable().meta({ description: 'The message whose feedback caused it.' }),
    createdBy: z.string().meta({ description: 'An API key id, "system", "recipient" or "cli".' }),
    createdAt: z.string(),
  })
  .meta({ id: 'Suppression' });

const auditSchema = z
  .object({
    stream: z.string(),
    action: z.enum(['added', 'removed']),
    reason: z.string(),
    actor: z.string(),
    note: z.string().nullable(),
    at: z.string(),
  })
  .meta({ id: 'SuppressionAudit' });

const addressParams = z.object({
  address: z.string().min(3).max(320).meta({ description: 'An email address or an E.164 phone number.' }),
});

const view = (s: Suppression) => ({
  address: s.address,
  stream: s.stream,
  reason: s.reason,
  details: s.details,
  messageId: s.messageId,
  createdBy: s.createdBy,
  createdAt: s.createdAt.toISOString(),
});

/** An email address (any case) or a phone number, as stored: lower case or E.164. */
function recipient(raw: string, path: string): string {
  const address = suppressionAddress(raw, { allowName: false });
  if (address) return address;
  if (raw.includes('@')) throw new ApiError('invalid_address', undefined, path);
  throw new ApiError(
    'invalid_value',
    'Give an email address or a phone number in E.164 ("+34600111222").',
    path,
  );
}

export async function suppressionRoutes(app: FastifyInstance, deps: SuppressionsDeps) {
  const { db } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['suppressions'];
  app.addContentTypeParser(['text/csv', 'text/plain'], { parseAs: 'string' }, (_req, body, done) =>
    done(null, body),
  );

  r.get(
    '/v1/suppressions',
    {
      schema: {
        operationId: 'listSuppressions',
        summary: 'List suppressions, newest first',
        description: 'Filter by stream, reason, part of the address and time added; page with `cursor`.',
        tags,
        querystring: z.strictObject({
          stream: streamSchema.optional(),
          reason: z.enum(suppressionReasons).optional(),
          search: z.string().min(1).max(320).optional().meta({
            description: 'Part of the address, any case: "@example.com", "ana".',
          }),
          since: z.iso.datetime({ offset: true }).optional().meta({ description: 'Added at or after.' }),
          until: z.iso.datetime({ offset: true }).optional().meta({ description: 'Added before.' }),
          limit: z.coerce.number().int().min(1).max(500).default(50),
          cursor: cursorField,
        }),
        response: {
          200: answer(
            'A page of suppressions; `nextCursor` is null on the last page.',
            z
              .object({ data: z.array(suppressionSchema), nextCursor: z.string().nullable() })
              .meta({ id: 'SuppressionList' }),
          ),
          ...errorAnswers(badCursor),
        },
      },
    },
    async (request) => {
      const page = await listSuppressions(db, request.auth.projectId, request.query);
      return { data: page.data.map(view), nextCursor: page.nextCursor };
    },
  );

  r.get(
    '/v1/suppressions/:address',
    {
      schema: {
        operationId: 'getRecipientSuppressions',
        summary: 'One recipient: its suppressions and who added or removed them, and why',
        description:
          'A recipient that is not suppressed answers 200 with no suppressions (its history may still have entries).',
        tags,
        params: addressParams,
        response: {
          200: answer(
            "The recipient's suppressions and their history.",
            z
              .object({
                address: z.string(),
                suppressions: z.array(suppressionSchema),
                history: z.array(auditSchema).meta({ description: 'Newest first, at most 100.' }),
              })
              .meta({ id: 'RecipientSuppressions' }),
          ),
        },
      },
    },
    async (request) => {
      const found = await suppressionsOf(
        db,
        request.auth.projectId,
        recipient(request.params.address, 'address'),
      );
      return {
        address: found.address,
        suppressions: found.suppressions.map(view),
        history: found.history.map((h) => ({ ...h, at: h.at.toISOString() })),
      };
    },
  );

  r.post(
    '/v1/suppressions',
    {
      schema: {
        operationId: 'addSuppression',
        summary: 'Suppress a recipient',
        description:
          'Idempotent: a stream on which the recipient is suppressed already keeps its first reason.',
        tags,
        body: z.strictObject({
          address: z.string().min(3).max(320),
          streams: z.array(streamSchema).min(1).optional().meta({ description: 'Default: both streams.' }),
          note: z.string().max(1000).optional().meta({ description: 'Why, for the audit.' }),
        }),
        response: {
          201: answer(
            'Suppressed; `added` lists the streams on which it was not suppressed before.',
            z.object({ address: z.string(), added: z.array(streamSchema) }),
          ),
        },
      },
    },
    async (request, reply) => {
      const address = recipient(request.body.address, 'address');
      const added = await addSuppressions(db, [
        {
          projectId: request.auth.projectId,
          address,
          streams: request.body.streams ?? streams,
          reason: 'manual',
          actor: request.auth.keyId,
          note: request.body.note ?? null,
        },
      ]);
      return reply.code(201).send({ address, added: added.map((a) => a.stream) });
    },
  );

  r.post(
    '/v1/suppressions/import',
    {
      bodyLimit: 20 * 1024 * 1024,
      schema: {
        operationId: 'importSuppressions',
        summary: 'Import suppressions from CSV',
        description:
          'Body: text/csv with a header row naming an `address` (or `email`, `phone`) column, and optionally `stream` (empty: both) and `note`; or one address per line without a header. Up to 100,000 rows. Bad lines are reported by number; the rest are imported (reason manual).',
        tags,
        consumes: ['text/csv'],
        body: z.string().meta({ description: 'CSV' }),
        response: {
          200: answer(
            'Imported; the lines that could not be read are in `problems`.',
            z.object({
              added: z.number().int().meta({ description: 'Suppressions created (one per stream).' }),
              alreadySuppressed: z.number().int(),
              problems: z.array(z.object({ line: z.number().int(), message: z.string() })),
            }),
          ),
        },
      },
    },
    async (request) => {
      if (typeof request.body !== 'string') {
        throw new ApiError('unsupported_media_type', 'Send the CSV as text/csv.');
      }
      const { rows, problems } = parseSuppressionCsv(request.body);
      const result = await importSuppressions(
        db,
        request.auth.projectId,
        rows,
        request.auth.keyId,
        'CSV import',
      );
      return { ...result, problems };
    },
  );

  r.delete(
    '/v1/suppressions/:address',
    {
      schema: {
        operationId: 'removeSuppression',
        summary: 'Stop suppressing a recipient',
        description:
          'Removes the recipient’s suppressions (one stream, or both), recording who did it and the note. Aviso will send to it again.',
        tags,
        params: addressParams,
        querystring: z.strictObject({
          stream: streamSchema.optional(),
          note: z.string().max(1000).optional().meta({ description: 'Why, for the audit.' }),
        }),
        response: {
          200: answer(
            'No longer suppressed on these streams.',
            z.object({
              address: z.string(),
              removed: z.array(z.object({ stream: streamSchema, reason: z.string() })),
            }),
          ),
          ...errorAnswers({ 404: 'The recipient is not suppressed (on this stream).' }),
        },
      },
    },
    async (request) => {
      const address = recipient(request.params.address, 'address');
      const removed = await removeSuppressions(db, request.auth.projectId, address, {
        ...(request.query.stream ? { stream: request.query.stream } : {}),
        actor: request.auth.keyId,
        note: request.query.note ?? null,
      });
      if (removed.length === 0) {
        throw new ApiError('not_found', 'This recipient is not suppressed (on this stream).', 'address');
      }
      return { address, removed };
    },
  );
}
