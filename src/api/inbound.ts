// POST /v1/inbound/bounce: bounces, complaints and mailto unsubscribes forwarded by a relay
// (a Postfix pipe, an inbound-mail webhook) instead of arriving at the SMTP listener. The body
// is the raw message; the envelope recipient may be given, else the message's Delivered-To,
// X-Original-To or To header stands in.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../errors/index.ts';
import { handleInboundMail, type InboundContext } from '../feedback/index.ts';
import { errorResponses } from './schemas.ts';

const resultSchema = z.object({
  recipient: z.string(),
  status: z.string(),
  replyCode: z.string(),
  reason: z.string(),
  hardBounce: z.boolean(),
  feedbackType: z.string().nullable(),
  diagnostic: z.string(),
});

const outcomeSchema = z.object({
  recipient: z.string().nullable(),
  action: z.enum(['report', 'unsubscribe']),
  messageId: z.string().nullable(),
  event: z.string().nullable().optional(),
  suppressed: z.array(z.object({ address: z.string(), stream: z.string(), reason: z.string() })).optional(),
  ignored: z.string().optional().meta({ description: 'Why nothing was recorded.' }),
  outcome: z.string().optional().meta({ description: 'Unsubscribes: what happened.' }),
});

export async function inboundRoutes(app: FastifyInstance, deps: InboundContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  app.addContentTypeParser(
    ['message/rfc822', 'text/plain', 'application/octet-stream'],
    { parseAs: 'buffer', bodyLimit: 30 * 1024 * 1024 },
    (_req, body, done) => done(null, body),
  );

  r.post(
    '/v1/inbound/bounce',
    {
      schema: {
        summary: 'Hand Aviso a bounce, complaint or unsubscribe mail',
        description:
          'The raw message as `message/rfc822`. Aviso parses it (DSN, ARF, the formats of common mail servers), finds the message it is about (VERP return path, else the quoted Message-ID), records `bounced`, `complained` or `delivered`, and suppresses the recipient as the rules say. Auto-replies are recognised and ignored.',
        tags: ['feedback'],
        consumes: ['message/rfc822'],
        querystring: z.strictObject({
          recipient: z.string().optional().meta({
            description: 'The envelope recipient (bounces+…@your bounce domain), if the relay knows it.',
          }),
        }),
        body: z.unknown().meta({ description: 'message/rfc822' }),
        response: {
          200: z.object({
            kind: z.enum(['bounce', 'complaint', 'auto-reply', 'delivered', 'none']),
            results: z.array(resultSchema),
            outcomes: z.array(outcomeSchema),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
        throw new ApiError('unsupported_media_type', 'Send the raw mail as message/rfc822.');
      }
      const recipients = request.query.recipient ? [request.query.recipient] : [];
      const handled = await handleInboundMail(deps, request.body, recipients, request.auth.projectId);
      return {
        kind: handled.report?.kind ?? 'none',
        results: handled.report?.results ?? [],
        outcomes: handled.outcomes.map((o) => ({ ...o, messageId: o.messageId ?? null })),
      };
    },
  );
}
