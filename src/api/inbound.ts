// POST /v1/inbound/bounce: bounces, complaints and mailto unsubscribes forwarded by a relay
// (a Postfix pipe, an inbound-mail webhook) instead of arriving at the SMTP listener. The body
// is the raw message; the envelope recipient may be given, else the message's Delivered-To,
// X-Original-To or To header stands in.
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { bounceReasons } from '../channels/email/bounce/index.ts';
import { ApiError } from '../errors/index.ts';
import { handleInboundMail, type InboundContext } from '../feedback/index.ts';
import { documentedAs } from './openapi.ts';
import { answer } from './schemas.ts';

const reportKinds = ['bounce', 'complaint', 'auto-reply', 'delivered', 'none'] as const;

const resultSchema = z.object({
  recipient: z.string(),
  status: z.string().meta({ description: 'Enhanced status code (RFC 3463) such as 5.1.1; empty if none.' }),
  replyCode: z.string().meta({ description: 'SMTP reply code such as 550; empty if none.' }),
  reason: z.enum(bounceReasons),
  hardBounce: z.boolean(),
  feedbackType: z.string().nullable().meta({ description: 'Complaints: the ARF Feedback-Type.' }),
  diagnostic: z.string(),
  delayed: z.literal(true).optional().meta({ description: 'A delay notice: the server is still trying.' }),
});

const outcomeSchema = z.discriminatedUnion('action', [
  z.object({
    recipient: z.string().nullable(),
    action: z.literal('report'),
    kind: z.enum(reportKinds),
    messageId: z.string().nullable().meta({ description: 'The message the report is about, if found.' }),
    event: z.string().nullable().meta({ description: 'What was recorded: bounced, complained, delivered.' }),
    suppressed: z.array(z.object({ address: z.string(), stream: z.string(), reason: z.string() })),
    ignored: z.string().optional().meta({ description: 'Why nothing was recorded.' }),
  }),
  z.object({
    recipient: z.string(),
    action: z.literal('unsubscribe'),
    messageId: z.string().nullable(),
    outcome: z.enum(['bad-token', 'not-found', 'not-promotional', 'unsubscribed', 'already-unsubscribed']),
  }),
]);

export async function inboundRoutes(app: FastifyInstance, deps: InboundContext) {
  const r = app.withTypeProvider<ZodTypeProvider>();
  const consumes = ['message/rfc822', 'text/plain', 'application/octet-stream'];
  app.addContentTypeParser(consumes, { parseAs: 'buffer', bodyLimit: 30 * 1024 * 1024 }, (_req, body, done) =>
    done(null, body),
  );

  r.post(
    '/v1/inbound/bounce',
    {
      config: {
        // The body is taken as bytes whatever its type; the document says what they are.
        swaggerTransform: documentedAs('/v1/inbound/bounce', {
          body: z.string().meta({ description: 'The raw mail (RFC 5322), as received.' }),
          consumes,
        }),
      },
      schema: {
        operationId: 'submitInboundMail',
        summary: 'Hand Aviso a bounce, complaint or unsubscribe mail',
        description:
          'The raw message as `message/rfc822`. Aviso parses it (DSN, ARF, the formats of common mail servers), finds the message it is about (VERP return path, else the quoted Message-ID), records `bounced`, `complained` or `delivered`, and suppresses the recipient as the rules say. Auto-replies are recognised and ignored.',
        tags: ['feedback'],
        consumes,
        querystring: z.strictObject({
          recipient: z.string().optional().meta({
            description: 'The envelope recipient (bounces+…@your bounce domain), if the relay knows it.',
          }),
        }),
        body: z.unknown().meta({ description: 'message/rfc822' }),
        response: {
          200: answer(
            'What the mail was, and what Aviso did for each recipient it was addressed to.',
            z
              .object({
                kind: z.enum(reportKinds),
                results: z.array(resultSchema),
                outcomes: z.array(outcomeSchema),
              })
              .meta({ id: 'InboundMailResult' }),
          ),
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
