// /v1/callbacks: where providers report back (Twilio status callbacks, Vonage delivery
// receipts, WhatsApp webhooks). Public, since providers have no API key, but every request is
// verified with the provider's own signature before anything in it is read: unsigned or
// badly signed requests get 403 and change nothing. The provider id in the path says which
// secret to check with. A report is answered 2xx only once it is applied, or stored until
// its message's send is recorded (the receipt applier); if neither could be written, the error
// answer makes the provider send it again.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { parseJsonObject } from '../channels/index.ts';
import {
  parseTwilioStatus,
  parseVonageReceipt,
  verifyTwilioSignature,
  verifyVonageSignature,
} from '../channels/sms/index.ts';
import { answerVerification, parseWebhook, verifyHubSignature } from '../channels/whatsapp/index.ts';
import type { Database } from '../db/index.ts';
import type { ReceiptApplier } from '../delivery/index.ts';
import { ApiError } from '../errors/index.ts';
import type { Logger } from '../log.ts';
import { type ProviderRow, type ProviderSettings, recordInbound, toProviderRow } from '../providers/index.ts';
import { parseUntrustedJson } from '../records/index.ts';
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

export async function callbackRoutes(app: FastifyInstance, deps: CallbacksDeps) {
  const { db, receipts, log } = deps;
  // Signatures cover the exact bytes: keep the raw body; parse it only once it is verified.
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser(
    ['application/json', 'application/x-www-form-urlencoded'],
    { parseAs: 'buffer' },
    (_req, body, done) => done(null, body),
  );

  async function provider(id: string, type: string): Promise<ProviderRow> {
    const row = await db
      .selectFrom('provider_configs')
      .selectAll()
      .where('id', '=', id)
      .where('type', '=', type)
      .executeTakeFirst();
    // An unknown provider gets the same answer as a bad signature: nothing to learn here.
    if (!row) throw forbidden();
    return toProviderRow(row, deps.secrets);
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

  const params = z.object({ id: z.string().meta({ description: 'The provider id (prov_…).' }) });
  const refused = { 403: 'The signature is missing or does not match, or no such provider.' };
  const schema = (operationId: string, summary: string, description: string) => ({
    operationId,
    summary,
    description,
    tags: ['callbacks'],
    security: [],
    params,
  });
  // Providers' own formats: read as bytes (signatures cover them), described for the document only.
  const fields = z.record(z.string(), z.string()).meta({ description: "The provider's report fields." });
  const received = noContent('Received (reports for unknown messages are logged and ignored).');
  const bodyErrors = {
    ...refused,
    415: 'The body is neither application/json nor application/x-www-form-urlencoded.',
  };

  app.post<{ Params: { id: string } }>(
    '/v1/callbacks/twilio/:id',
    {
      config: {
        swaggerTransform: documentedAs('/v1/callbacks/twilio/:id', {
          body: fields,
          consumes: ['application/x-www-form-urlencoded'],
        }),
      },
      schema: {
        ...schema(
          'twilioStatusCallback',
          'Twilio status callback (X-Twilio-Signature)',
          'Twilio reports what became of a message (MessageSid, MessageStatus, ErrorCode), signed with the account’s auth token.',
        ),
        response: { 204: received, ...errorAnswers(bodyErrors) },
      },
    },
    async (request, reply) => {
      const row = await provider(request.params.id, 'twilio');
      const config = row.config as ProviderSettings<'twilio'>;
      const params = form(request);
      const url = `${deps.publicUrl()}${request.url}`;
      const signature = request.headers['x-twilio-signature'];
      if (
        !verifyTwilioSignature(
          config.authToken,
          url,
          params,
          typeof signature === 'string' ? signature : undefined,
        )
      ) {
        log.warn({ providerId: row.id }, 'Twilio callback with a bad signature refused');
        throw forbidden();
      }
      const receipt = parseTwilioStatus(params);
      if (receipt) await receipts.apply(row.id, [receipt]);
      return reply.code(204).send();
    },
  );

  const vonage = async (
    request: FastifyRequest<{ Params: { id: string } }>,
    params: Record<string, string>,
  ) => {
    const row = await provider(request.params.id, 'vonage');
    const config = row.config as ProviderSettings<'vonage'>;
    if (
      !config.signatureSecret ||
      !verifyVonageSignature(params, config.signatureSecret, config.signatureMethod)
    ) {
      log.warn(
        { providerId: row.id, configured: Boolean(config.signatureSecret) },
        'Vonage receipt without a valid signature refused',
      );
      throw forbidden();
    }
    const receipt = parseVonageReceipt(params);
    if (receipt) await receipts.apply(row.id, [receipt]);
  };
  app.get<{ Params: { id: string } }>(
    '/v1/callbacks/vonage/:id',
    {
      config: {
        swaggerTransform: documentedAs('/v1/callbacks/vonage/:id', {
          querystring: z.object({
            messageId: z.string().optional(),
            status: z
              .string()
              .optional()
              .meta({ examples: ['delivered', 'failed', 'expired'] }),
            'err-code': z.string().optional(),
            'message-timestamp': z.string().optional(),
            scts: z.string().optional(),
            sig: z.string().optional().meta({ description: 'The signature of the other parameters.' }),
            timestamp: z.string().optional(),
          }),
        }),
      },
      schema: {
        ...schema(
          'vonageDeliveryReceipt',
          'Vonage delivery receipt, as a GET (signed, sig parameter)',
          'Vonage reports what became of a message in the query string, signed with the signature secret.',
        ),
        response: { 204: received, ...errorAnswers(refused) },
      },
    },
    async (request, reply) => {
      await vonage(request, request.query as Record<string, string>);
      return reply.code(204).send();
    },
  );
  app.post<{ Params: { id: string } }>(
    '/v1/callbacks/vonage/:id',
    {
      config: {
        swaggerTransform: documentedAs('/v1/callbacks/vonage/:id', {
          body: fields,
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
        }),
      },
      schema: {
        ...schema(
          'vonageDeliveryReceiptPost',
          'Vonage delivery receipt, as a POST (signed, sig parameter)',
          'Vonage reports what became of a message in the body (JSON or form), signed with the signature secret.',
        ),
        response: { 204: received, ...errorAnswers(bodyErrors) },
      },
    },
    async (request, reply) => {
      await vonage(request, form(request));
      return reply.code(204).send();
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/callbacks/whatsapp/:id',
    {
      config: {
        swaggerTransform: documentedAs('/v1/callbacks/whatsapp/:id', {
          querystring: z.object({
            'hub.mode': z.literal('subscribe'),
            'hub.verify_token': z.string().meta({ description: "The provider's verifyToken." }),
            'hub.challenge': z.string(),
          }),
        }),
      },
      schema: {
        ...schema(
          'whatsappWebhookVerification',
          'WhatsApp webhook verification (hub.challenge)',
          'Meta checks the webhook URL once, with the verify token set on the provider: the answer echoes its challenge.',
        ),
        response: {
          200: mediaAnswer('The hub.challenge, echoed.', { 'text/plain': z.string() }),
          ...errorAnswers({ 403: 'The verify token does not match, or no such provider.' }),
        },
      },
    },
    async (request, reply) => {
      const row = await provider(request.params.id, 'whatsapp');
      const challenge = answerVerification(
        request.query as Record<string, unknown>,
        (row.config as ProviderSettings<'whatsapp'>).verifyToken,
      );
      if (challenge === null) throw forbidden();
      return reply.type('text/plain').send(challenge);
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/callbacks/whatsapp/:id',
    {
      config: {
        swaggerTransform: documentedAs('/v1/callbacks/whatsapp/:id', {
          body: z
            .record(z.string(), z.unknown())
            .meta({ description: 'The WhatsApp Cloud API webhook payload.' }),
          consumes: ['application/json'],
        }),
      },
      schema: {
        ...schema(
          'whatsappWebhook',
          'WhatsApp webhook: statuses and inbound messages (X-Hub-Signature-256)',
          'Meta reports message statuses and the messages recipients send, signed with the app secret.',
        ),
        response: {
          200: noContent('Received.'),
          ...errorAnswers({ ...bodyErrors, 400: 'The body is not valid JSON.' }),
        },
      },
    },
    async (request, reply) => {
      const row = await provider(request.params.id, 'whatsapp');
      const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const signature = request.headers['x-hub-signature-256'];
      const config = row.config as ProviderSettings<'whatsapp'>;
      if (!verifyHubSignature(config.appSecret, raw, typeof signature === 'string' ? signature : undefined)) {
        log.warn({ providerId: row.id }, 'WhatsApp webhook with a bad signature refused');
        throw forbidden();
      }
      let body: unknown;
      try {
        body = parseUntrustedJson(raw.toString('utf8'));
      } catch {
        throw new ApiError('invalid_json');
      }
      const { receipts: statuses, inbound } = parseWebhook(body);
      await recordInbound(db, row.projectId, inbound);
      await receipts.apply(row.id, statuses);
      return reply.code(200).send();
    },
  );
}
