// /v1/callbacks: where providers report back (Twilio status callbacks, Vonage delivery
// receipts, WhatsApp webhooks), one route per route its kind's callback declares. Public,
// since providers have no API key, but every request is verified with the provider's own
// signature before anything in it is read: unsigned or badly signed requests get 403 and
// change nothing. The provider id in the path says which secret to check with. A report is
// answered 2xx only once it is applied, or stored until its message's send is recorded (the
// receipt applier); if neither could be written, the error answer makes the provider send it again.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import {
  type BoundCallback,
  type CallbackRequest,
  type CallbackRoute,
  type KindCallback,
  parseJsonObject,
} from '../channels/index.ts';
import type { Database } from '../db/index.ts';
import type { ReceiptApplier } from '../delivery/index.ts';
import { ApiError } from '../errors/index.ts';
import type { Logger } from '../log.ts';
import {
  type ProviderRow,
  type ProviderType,
  providerKinds,
  providerTypeNames,
  recordInbound,
  toProviderRow,
} from '../providers/index.ts';
import type { Secrets } from '../secrets/index.ts';
import { documentedAs } from './openapi.ts';
import { errorAnswers, mediaAnswer, noContent } from './schemas.ts';

export interface CallbacksDeps {
  db: Kysely<Database>;
  secrets: Secrets;
  receipts: ReceiptApplier;
  publicUrl: () => string;
  log: Logger;
}

const forbidden = () => new ApiError('invalid_signature');

type IdRequest = FastifyRequest<{ Params: { id: string } }>;

export async function callbackRoutes(app: FastifyInstance, deps: CallbacksDeps) {
  const { db, receipts, log } = deps;
  // Signatures cover the exact bytes: keep the raw body; parse it only once it is verified.
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser(
    ['application/json', 'application/x-www-form-urlencoded'],
    { parseAs: 'buffer' },
    (_req, body, done) => done(null, body),
  );

  /** The provider of the path, with its kind's checks bound to its settings. */
  async function provider(
    id: string,
    type: ProviderType,
    callback: KindCallback,
  ): Promise<{ row: ProviderRow; checks: BoundCallback }> {
    const found = await db
      .selectFrom('provider_configs')
      .selectAll()
      .where('id', '=', id)
      .where('type', '=', type)
      .executeTakeFirst();
    // An unknown provider gets the same answer as a bad signature: nothing to learn here.
    if (!found) throw forbidden();
    const row = toProviderRow(found, deps.secrets);
    return { row, checks: callback.bind(row.config) };
  }

  const form = (request: FastifyRequest): Record<string, string> => {
    const body = request.body;
    if (!Buffer.isBuffer(body)) return {};
    const type = request.headers['content-type'] ?? '';
    if (type.includes('application/json')) {
      const parsed = parseJsonObject(body.toString('utf8')) ?? {};
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    }
    return Object.fromEntries(new URLSearchParams(body.toString('utf8')));
  };

  const fieldsOf = (request: IdRequest, route: CallbackRoute): Record<string, string> => {
    if (route.carries === 'document') return {};
    return route.method === 'GET' ? (request.query as Record<string, string>) : form(request);
  };

  const params = z.object({ id: z.string().meta({ description: 'The provider id (prov_…).' }) });
  const refused = { 403: 'The signature is missing or does not match, or no such provider.' };
  const schema = (route: { operationId: string; summary: string; description: string }) => ({
    operationId: route.operationId,
    summary: route.summary,
    description: route.description,
    tags: ['callbacks'],
    security: [],
    params,
  });
  const bodyErrors = {
    ...refused,
    415: 'The body is neither application/json nor application/x-www-form-urlencoded.',
  };
  const errorsOf = (route: CallbackRoute): Record<number, string> =>
    route.method === 'GET'
      ? refused
      : route.carries === 'document'
        ? { ...bodyErrors, 400: 'The body is not valid JSON.' }
        : bodyErrors;

  for (const type of providerTypeNames) {
    const callback = providerKinds[type].callback;
    if (!callback) continue;
    const path = `/v1/callbacks/${type}/:id`;

    const { handshake } = callback;
    if (handshake)
      app.get<{ Params: { id: string } }>(
        path,
        {
          config: { swaggerTransform: documentedAs(path, { querystring: handshake.querystring }) },
          schema: {
            ...schema(handshake),
            response: {
              200: mediaAnswer('The hub.challenge, echoed.', { 'text/plain': z.string() }),
              ...errorAnswers({ 403: handshake.refused }),
            },
          },
        },
        async (request, reply) => {
          const { checks } = await provider(request.params.id, type, callback);
          const challenge = checks.handshake?.(request.query as Record<string, unknown>) ?? null;
          if (challenge === null) throw forbidden();
          return reply.type('text/plain').send(challenge);
        },
      );

    for (const route of callback.routes) {
      app.route<{ Params: { id: string } }>({
        method: route.method,
        url: path,
        config: { swaggerTransform: documentedAs(path, route.documented) },
        schema: {
          ...schema(route),
          response: {
            [route.answer.status]: noContent(route.answer.description),
            ...errorAnswers(errorsOf(route)),
          },
        },
        handler: async (request, reply) => {
          const { row, checks } = await provider(request.params.id, type, callback);
          const call: CallbackRequest = {
            url: `${deps.publicUrl()}${request.url}`,
            headers: request.headers,
            rawBody: Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0),
            fields: fieldsOf(request, route),
          };
          if (!checks.verify(call)) {
            log.warn({ providerId: row.id, ...checks.refused.fields }, checks.refused.message);
            throw forbidden();
          }
          const report = checks.read(call);
          if (!report) throw new ApiError('invalid_json');
          if (report.inbound) await recordInbound(db, row.projectId, report.inbound);
          await receipts.apply(row.id, report.receipts);
          return reply.code(route.answer.status).send();
        },
      });
    }
  }
}
