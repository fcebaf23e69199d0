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
  getCapturedMessage,
  getMessage,
  idempotencyKeyPattern,
  isPrepared,
  listMessages,
  type MessageInput,
  MessageWriter,
  messageInputSchema,
  messageSchema,
  messageStatuses,
  messageWithEventsSchema,
  requestHash,
  runIdempotent,
  type StoredResponse,
  type StoreMessages,
} from '../messages/index.ts';
import {
  acceptedSchema,
  acceptedView,
  answer,
  badCursor,
  cursorField,
  errorAnswers,
  errorSchema,
  mediaAnswer,
} from './schemas.ts';

const maxBatch = 500;

export interface MessagesDeps {
  db: Kysely<Database>;
  config: Config;
  /** Wakes workers after a commit. */
  notify: (priority: number) => void;
}

const idempotencyHeader = z.object({
  'idempotency-key': z.string().optional().meta({
    description:
      'Makes retries safe: the same key and body within 24 h return the first response. 1 to 255 printable characters (else 400).',
    minLength: 1,
    maxLength: 255,
    pattern: idempotencyKeyPattern,
  }),
});

const idParams = z.object({
  id: z.string().min(1).max(100).meta({ description: 'The message id (msg_…).' }),
});

const replayedHeader = {
  'Idempotent-Replayed': {
    type: 'string',
    enum: ['true'],
    description:
      'Present when this is the stored answer to an earlier request with the same Idempotency-Key.',
  },
};

const idempotencyErrors = {
  400: 'The Idempotency-Key is not 1 to 255 printable characters.',
  409: 'The Idempotency-Key was used with another body (or that request is still running).',
};

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
        operationId: 'sendMessage',
        summary: 'Send one message: email, SMS or WhatsApp',
        description:
          'Stores the message and its delivery job in one transaction, then answers 202. ' +
          'Give subject + html/text (email) or text (SMS, WhatsApp), or a template + data. ' +
          'The channel is inferred from `to` unless given.',
        tags: ['messages'],
        body: messageInputSchema,
        headers: idempotencyHeader,
        response: {
          202: answer('Accepted: queued, scheduled, or stored as suppressed.', acceptedSchema).meta({
            headers: replayedHeader,
          }),
          ...errorAnswers({
            ...idempotencyErrors,
            404: 'The `templateVersion` does not exist.',
            413: 'The body, or the attachments once decoded, are larger than the limit.',
          }),
        },
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
      // Only answers that succeeded are stored for replay: the 202 above.
      return reply.code(result.statusCode as 202).send(result.body as never);
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
        operationId: 'sendMessageBatch',
        summary: `Send up to ${maxBatch} messages in one request`,
        description:
          'Each message is checked on its own: the answer has one result per message, in order — ' +
          '`{id, status}` when accepted, `{error}` when not. The accepted ones are stored together in one transaction.',
        tags: ['messages'],
        body: batchBody,
        headers: idempotencyHeader,
        response: {
          200: answer('One result per message, in order: accepted or refused.', batchResult).meta({
            headers: replayedHeader,
          }),
          ...errorAnswers({
            ...idempotencyErrors,
            413: `The body is larger than the batch limit, or it holds more than ${maxBatch} messages.`,
          }),
        },
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
      return reply.code(result.statusCode as 200).send(result.body as never);
    },
  );

  r.get(
    '/v1/messages/:id',
    {
      schema: {
        operationId: 'getMessage',
        summary: 'A message with its events',
        description: 'The message as stored, its delivery state, and every event that happened to it.',
        tags: ['messages'],
        params: idParams,
        response: {
          200: answer('The message and its events, oldest first.', messageWithEventsSchema),
          ...errorAnswers({ 404: 'No message of this project has this id.' }),
        },
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
        operationId: 'getRawMessage',
        summary: 'What the capture provider stored for a message',
        description:
          'Available for messages sent with the capture provider: the raw MIME of an email (message/rfc822), or the SMS or WhatsApp message as JSON.',
        tags: ['messages'],
        params: idParams,
        response: {
          200: mediaAnswer('What would have been sent.', {
            'message/rfc822': z.string().meta({ description: 'Email: the whole MIME message.' }),
            'application/json': z
              .record(z.string(), z.unknown())
              .meta({ description: 'SMS and WhatsApp: the message as handed to the provider.' }),
          }),
          ...errorAnswers({
            404: 'No message of this project has this id, or the capture provider did not send it.',
          }),
        },
      },
    },
    async (request, reply) => {
      const row = await getCapturedMessage(db, request.auth.projectId, request.params.id);
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
        operationId: 'listMessages',
        summary: 'List messages, newest first',
        description: 'Filter by status, recipient, tag and creation time; page with `cursor`.',
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
          cursor: cursorField,
        }),
        response: {
          200: answer(
            'A page of messages; `nextCursor` is null on the last page.',
            z
              .object({ data: z.array(messageSchema), nextCursor: z.string().nullable() })
              .meta({ id: 'MessageList' }),
          ),
          ...errorAnswers(badCursor),
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
        operationId: 'cancelMessage',
        summary: 'Cancel a scheduled or waiting message',
        description: '409 once the message is being sent or has been sent.',
        tags: ['messages'],
        params: idParams,
        response: {
          200: answer(
            'Canceled: it will not be sent.',
            z.object({ id: z.string(), status: z.literal('canceled') }),
          ),
          ...errorAnswers({
            404: 'No message of this project has this id.',
            409: 'The message is being sent or has been sent.',
          }),
        },
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
