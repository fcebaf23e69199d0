// /v1/webhooks/:id/…: what happened at an endpoint and trying it out: the log of every
// delivery attempt, the deliveries with their state, replays of past events and a signed
// test request. The endpoints themselves are in webhooks.ts.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors/index.ts';
import { eventTypes } from '../messages/index.ts';
import { webhookDestinations } from '../net/index.ts';
import { webhookDeliveryStatuses } from '../vocabulary.ts';
import {
  getWebhookEndpoint,
  listAttempts,
  listDeliveries,
  maxReplayDays,
  replayEvent,
  replayRange,
  sendTestWebhook,
} from '../webhooks/index.ts';
import { answer, badCursor, cursorField, errorAnswers } from './schemas.ts';
import { idParams, notFound, type WebhooksDeps } from './webhooks.ts';

const attemptSchema = z
  .object({
    attemptId: z.string(),
    deliveryId: z.string(),
    eventId: z.string().meta({ description: 'The "data.id" of the payload; webhook-id is "evt_" + it.' }),
    eventType: z.string().nullable(),
    messageId: z.string(),
    attemptedAt: z.string(),
    statusCode: z.number().int().nullable().meta({ description: 'null: no HTTP answer (see error).' }),
    latencyMs: z.number().int(),
    responseSnippet: z.string().nullable().meta({ description: 'The first kilobyte of the answer.' }),
    error: z
      .string()
      .nullable()
      .meta({ description: 'Network error, timeout, or refusal by the URL guard.' }),
    succeeded: z.boolean().meta({ description: 'The endpoint answered 2xx.' }),
    replay: z.boolean(),
  })
  .meta({ id: 'WebhookAttempt' });

const deliverySchema = z
  .object({
    deliveryId: z.string(),
    eventId: z.string(),
    eventType: z.string().nullable(),
    messageId: z.string(),
    status: z.enum(webhookDeliveryStatuses),
    attempts: z.number().int(),
    replay: z.boolean(),
    nextAttemptAt: z
      .string()
      .nullable()
      .meta({ description: 'Pending only. Deliveries of a disabled endpoint wait until it is enabled.' }),
    lastAttemptAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });

const replayBody = z
  .strictObject({
    eventId: z.string().optional().meta({ description: 'One event to send again ("123" or "evt_123").' }),
    since: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'Events at or after (ISO 8601).' }),
    until: z.iso.datetime({ offset: true }).optional().meta({ description: 'Events before (ISO 8601).' }),
    eventTypes: z
      .array(z.enum(eventTypes))
      .optional()
      .meta({ description: "With since/until: these types only. Default: the endpoint's event types." }),
  })
  .meta({
    id: 'WebhookReplayRequest',
    description: `Either eventId, or since and until (at most ${maxReplayDays} days apart).`,
  });

const testResultSchema = z
  .object({
    succeeded: z.boolean(),
    statusCode: z.number().int().nullable(),
    latencyMs: z.number().int(),
    responseSnippet: z.string().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: 'WebhookTestResult' });

const pageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: cursorField,
};

export async function webhookLogRoutes(app: FastifyInstance, deps: WebhooksDeps) {
  const { db, secrets, config } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['webhooks'];
  const policy = webhookDestinations(config);

  r.get(
    '/v1/webhooks/:id/attempts',
    {
      schema: {
        operationId: 'listWebhookAttempts',
        summary: 'The delivery log: every attempt, newest first',
        description: 'Each HTTP request made to the endpoint, with its answer or error; page with `cursor`.',
        tags,
        params: idParams,
        querystring: z.strictObject({
          status: z
            .enum(['succeeded', 'failed'])
            .optional()
            .meta({ description: 'succeeded: answered 2xx; failed: anything else.' }),
          ...pageQuery,
        }),
        response: {
          200: answer(
            'A page of attempts; `nextCursor` is null on the last page.',
            z
              .object({ data: z.array(attemptSchema), nextCursor: z.string().nullable() })
              .meta({ id: 'WebhookAttemptList' }),
          ),
          ...errorAnswers({ ...badCursor, ...notFound }),
        },
      },
    },
    async (request) => {
      const endpoint = await getWebhookEndpoint(db, secrets, request.auth.projectId, request.params.id);
      return listAttempts(db, endpoint.id, request.query);
    },
  );

  r.get(
    '/v1/webhooks/:id/deliveries',
    {
      schema: {
        operationId: 'listWebhookDeliveries',
        summary: 'Deliveries (one per event) with their state, newest first',
        description:
          'One delivery per event sent to the endpoint, pending, succeeded or failed; page with `cursor`.',
        tags,
        params: idParams,
        querystring: z.strictObject({
          status: z.enum(webhookDeliveryStatuses).optional(),
          ...pageQuery,
        }),
        response: {
          200: answer(
            'A page of deliveries; `nextCursor` is null on the last page.',
            z
              .object({ data: z.array(deliverySchema), nextCursor: z.string().nullable() })
              .meta({ id: 'WebhookDeliveryList' }),
          ),
          ...errorAnswers({ ...badCursor, ...notFound }),
        },
      },
    },
    async (request) => {
      const endpoint = await getWebhookEndpoint(db, secrets, request.auth.projectId, request.params.id);
      return listDeliveries(db, endpoint.id, request.query);
    },
  );

  r.post(
    '/v1/webhooks/:id/replay',
    {
      schema: {
        operationId: 'replayWebhookEvents',
        summary: 'Send past events to the endpoint again',
        description:
          'One event (eventId) or every event of the project in a time range; they are queued as new deliveries ' +
          'with the same webhook-id as before.',
        tags,
        params: idParams,
        body: replayBody,
        response: {
          202: answer(
            'Queued.',
            z
              .object({ queued: z.number().int().meta({ description: 'Deliveries queued.' }) })
              .meta({ id: 'WebhookReplayResult' }),
          ),
          ...errorAnswers(notFound),
        },
      },
    },
    async (request, reply) => {
      const { eventId, since, until, eventTypes: types } = request.body;
      const { projectId } = request.auth;
      const ranged = since !== undefined || until !== undefined || types !== undefined;
      if (eventId !== undefined && ranged)
        throw new ApiError(
          'conflicting_fields',
          'Give either "eventId" or "since" and "until", not both.',
          since !== undefined ? 'since' : until !== undefined ? 'until' : 'eventTypes',
        );
      let queued: number;
      if (eventId !== undefined) {
        queued = await replayEvent(db, secrets, projectId, request.params.id, eventId);
      } else {
        if (since === undefined)
          throw new ApiError('field_required', 'Give "eventId", or "since" and "until".', 'since');
        if (until === undefined) throw new ApiError('field_required', 'Give "until" with "since".', 'until');
        queued = await replayRange(db, secrets, projectId, request.params.id, {
          since: new Date(since),
          until: new Date(until),
          ...(types ? { eventTypes: types } : {}),
        });
      }
      return reply.code(202).send({ queued });
    },
  );

  r.post(
    '/v1/webhooks/:id/test',
    {
      schema: {
        operationId: 'testWebhook',
        summary: 'Send a signed "webhook.test" request now and show the answer',
        description: 'Nothing is queued, retried or logged: this checks that the receiver works.',
        tags,
        params: idParams,
        response: {
          200: answer('What the endpoint answered (or why it could not be reached).', testResultSchema),
          ...errorAnswers(notFound),
        },
      },
    },
    async (request) => {
      const endpoint = await getWebhookEndpoint(db, secrets, request.auth.projectId, request.params.id);
      const result = await sendTestWebhook(endpoint, {
        destinations: policy,
        timeoutMs: config.webhookTimeoutSeconds * 1000,
      });
      return {
        succeeded: result.succeeded,
        statusCode: result.statusCode,
        latencyMs: result.latencyMs,
        responseSnippet: result.responseSnippet,
        error: result.error,
      };
    },
  );
}
