// /v1/messages: accept one message or a batch, read them back, cancel, and read the raw MIME
// of captured messages.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { ApiError, type ErrorAnswer, type ErrorBody, parseWith } from '../errors/index.ts';
import type { PreparedMessage } from '../messages/index.ts';
import {
  acceptMessages,
  cancelMessage,
  checkIdempotencyKey,
  getMessage,
  isPrepared,
  listMessages,
  type MessageInput,
  MessageWriter,
  messageInputSchema,
  messageStatuses,
  requestHash,
  runIdempotent,
  type StoredResponse,
  type StoreMessages,
} from '../messages/index.ts';
import {
  acceptedSchema,
  errorResponses,
  errorSchema,
  messageSchema,
  messageWithEventsSchema,
} from './schemas.ts';

export const maxBatch = 500;

export interface MessagesDeps {
  db: Kysely<Database>;
  config: Config;
  /** Wakes workers after a commit. */
  notify: (priority: number) => void;
}

const idempotencyHeader = z.object({
  'idempotency-key': z.string().optional().meta({
    description: 'Makes retries safe: the same key and body within 24 h return the first response.',
  }),
});

const idParams = z.object({ id: z.string() });

export async function messageRoutes(app: FastifyInstance, deps: MessagesDeps) {
  const { db, config } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const writer = new MessageWriter(db);

  /**
   * Runs `work` once; with an Idempotency-Key, inside the key's transaction (its messages
   * written there too), else with the shared group-commit writer.
   */
  async function respond(
    projectId: string,
    key: string | undefined,
    body: unknown,
    url: string,
    work: (executor: Kysely<Database>, store?: StoreMessages) => Promise<StoredResponse>,
  ) {
    if (key === undefined) return { ...(await work(db, (p, m) => writer.store(p, m))), replayed: false };
    checkIdempotencyKey(key);
    return runIdempotent(db, projectId, key, requestHash('POST', url, body), (trx) => work(trx));
  }

  function wake(messages: (PreparedMessage | ErrorAnswer)[]) {
    const due = messages.filter((m) => isPrepared(m) && m.status === 'queued') as PreparedMessage[];
    if (due.length > 0) deps.notify(Math.min(...due.map((m) => m.priority)));
  }

  r.post(
    '/v1/messages',
    {
      schema: {
        summary: 'Send one email',
        description:
          'Stores the message and its delivery job in one transaction, then answers 202. ' +
          'Give subject + html/text, or a template + data.',
        tags: ['messages'],
        body: messageInputSchema,
        headers: idempotencyHeader,
        response: { 202: acceptedSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      let prepared: (PreparedMessage | ErrorAnswer)[] = [];
      const result = await respond(
        request.auth.projectId,
        request.headers['idempotency-key'],
        request.body,
        '/v1/messages',
        async (executor, store) => {
          prepared = await acceptMessages(executor, config, request.auth.projectId, [request.body], store);
          const message = prepared[0] as PreparedMessage | ErrorAnswer;
          if ('code' in message) throw ApiError.of(message.details ?? [message]);
          return { statusCode: 202, body: acceptedView(message) };
        },
      );
      if (!result.replayed) wake(prepared);
      if (result.replayed) reply.header('Idempotent-Replayed', 'true');
      return reply.code(result.statusCode).send(result.body as never);
    },
  );

  const batchBody = z.strictObject({
    messages: z
      .array(messageInputSchema)
      .meta({ description: `1 to ${maxBatch} messages, each validated on its own.` }),
  });
  const batchShape = z.strictObject({ messages: z.array(z.unknown()) });
  const batchResult = z
    .object({
      data: z.array(z.union([acceptedSchema, errorSchema])),
      accepted: z.number().int(),
      rejected: z.number().int(),
    })
    .meta({ id: 'BatchResult' });

  r.post(
    '/v1/messages/batch',
    {
      bodyLimit: config.maxBatchBytes,
      schema: {
        summary: 'Send up to 500 emails',
        description:
          'Each message is checked on its own: the answer has one result per message, in order — ' +
          '`{id, status}` when accepted, `{error}` when not. The accepted ones are stored together in one transaction.',
        tags: ['messages'],
        body: batchBody,
        headers: idempotencyHeader,
        response: { 200: batchResult, ...errorResponses },
      },
      // Only the envelope is checked up front; items are validated one by one below.
      validatorCompiler: ({ httpPart }) => {
        const schema =
          httpPart === 'body' ? batchShape : httpPart === 'headers' ? idempotencyHeader : z.unknown();
        return (data) => {
          try {
            // Strings are checked per item (below), so a bad message refuses only itself.
            return { value: parseWith(schema, data, [], { checkText: httpPart !== 'body' }) };
          } catch (error) {
            return { error: error as Error };
          }
        };
      },
    },
    async (request, reply) => {
      const items = (request.body as { messages: unknown[] }).messages;
      if (items.length > maxBatch) {
        throw new ApiError(
          'batch_too_large',
          `A batch holds at most ${maxBatch} messages; this one has ${items.length}.`,
          'messages',
        );
      }
      if (items.length === 0) throw new ApiError('batch_empty', undefined, 'messages');
      let prepared: (PreparedMessage | ErrorAnswer)[] = [];
      const result = await respond(
        request.auth.projectId,
        request.headers['idempotency-key'] as string | undefined,
        request.body,
        '/v1/messages/batch',
        async (executor, store) => {
          const inputs = items.map((item, i): MessageInput | ErrorAnswer => {
            try {
              return parseWith(messageInputSchema, item, ['messages', i]);
            } catch (err) {
              if (err instanceof ApiError) return err.toBody().error;
              throw err;
            }
          });
          prepared = await acceptMessages(executor, config, request.auth.projectId, inputs, store);
          const data = prepared.map((m, i) =>
            isPrepared(m) ? acceptedView(m) : { error: withItemPath(m, i) },
          );
          const accepted = data.filter((d) => 'id' in d).length;
          return { statusCode: 200, body: { data, accepted, rejected: data.length - accepted } };
        },
      );
      if (!result.replayed) wake(prepared);
      if (result.replayed) reply.header('Idempotent-Replayed', 'true');
      return reply.code(result.statusCode).send(result.body as never);
    },
  );

  r.get(
    '/v1/messages/:id',
    {
      schema: {
        summary: 'A message with its events',
        tags: ['messages'],
        params: idParams,
        response: { 200: messageWithEventsSchema, ...errorResponses },
      },
    },
    async (request) => {
      const message = await getMessage(db, request.auth.projectId, request.params.id);
      if (!message) throw new ApiError('not_found', 'No message with this id.', 'id');
      return message;
    },
  );

  r.get(
    '/v1/messages/:id/raw',
    {
      schema: {
        summary: 'What the capture provider stored for a message',
        description:
          'Available for messages sent with the capture provider: the raw MIME of an email (message/rfc822), or the SMS or WhatsApp message as JSON.',
        tags: ['messages'],
        params: idParams,
        response: {
          200: z.string().meta({ description: 'message/rfc822, or application/json for SMS and WhatsApp' }),
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const row = await db
        .selectFrom('messages')
        .leftJoin('captured_messages', 'captured_messages.message_id', 'messages.id')
        .select(['messages.id', 'messages.channel', 'captured_messages.raw'])
        .where('messages.project_id', '=', request.auth.projectId)
        .where('messages.id', '=', request.params.id)
        .executeTakeFirst();
      if (!row) throw new ApiError('not_found', 'No message with this id.', 'id');
      if (!row.raw) throw new ApiError('message_not_captured');
      return reply
        .type(row.channel === 'email' ? 'message/rfc822' : 'application/json')
        .send(row.raw as never);
    },
  );

  r.get(
    '/v1/messages',
    {
      schema: {
        summary: 'List messages, newest first',
        tags: ['messages'],
        querystring: z.strictObject({
          status: z.enum(messageStatuses).optional(),
          to: z.string().optional().meta({ description: 'Exact recipient address.' }),
          tag: z.string().optional(),
          since: z.iso
            .datetime({ offset: true })
            .optional()
            .meta({ description: 'Created at or after (ISO 8601).' }),
          until: z.iso
            .datetime({ offset: true })
            .optional()
            .meta({ description: 'Created before (ISO 8601).' }),
          limit: z.coerce.number().int().min(1).max(100).default(20),
          cursor: z.string().optional().meta({ description: '`nextCursor` of the previous page.' }),
        }),
        response: {
          200: z
            .object({ data: z.array(messageSchema), nextCursor: z.string().nullable() })
            .meta({ id: 'MessageList' }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const q = request.query;
      return listMessages(db, request.auth.projectId, {
        ...q,
        since: q.since ? new Date(q.since) : undefined,
        until: q.until ? new Date(q.until) : undefined,
      });
    },
  );

  r.delete(
    '/v1/messages/:id',
    {
      schema: {
        summary: 'Cancel a scheduled or waiting message',
        description: '409 once the message is being sent or has been sent.',
        tags: ['messages'],
        params: idParams,
        response: { 200: z.object({ id: z.string(), status: z.literal('canceled') }), ...errorResponses },
      },
    },
    async (request) => cancelMessage(db, request.auth.projectId, request.params.id),
  );
}

function withItemPath(error: ErrorAnswer, index: number): ErrorAnswer {
  const prefix = `messages[${index}]`;
  const prefixed = <T extends ErrorBody>(e: T): T => {
    if (e.path === undefined) return { ...e, path: prefix };
    return e.path.startsWith(prefix) ? e : { ...e, path: `${prefix}.${e.path}` };
  };
  const out = prefixed(error);
  if (error.details) out.details = error.details.map(prefixed);
  return out;
}

/** The answer for an accepted message (POST /v1/messages, batch items, template tests). */
export function acceptedView(m: PreparedMessage) {
  return {
    id: m.id,
    status: m.status,
    channel: m.channel,
    to: m.to.address,
    ...(m.suppression ? { suppression: m.suppression } : {}),
    ...(m.sms ? { sms: m.sms } : {}),
  };
}
