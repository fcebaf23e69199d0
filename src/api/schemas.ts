// Response shapes, for the OpenAPI document, and the helpers that describe each answer.
// (Responses are serialised without re-validation: tests check them against the document.)
import { z } from 'zod';
import { errorCodes } from '../errors/index.ts';
import { messageStatuses } from '../messages/index.ts';
import { channels } from '../vocabulary.ts';

const errorBody = z.object({
  code: z.enum(Object.keys(errorCodes) as [string, ...string[]]),
  message: z.string(),
  path: z
    .string()
    .optional()
    .meta({ description: 'The field at fault, e.g. "to" or "attachments[0].content".' }),
  line: z
    .number()
    .optional()
    .meta({ description: 'Template syntax errors: the line in that field, from 1.' }),
  column: z.number().optional().meta({ description: 'Template syntax errors: the column, from 1.' }),
});

export const errorSchema = z
  .object({ error: errorBody.extend({ details: z.array(errorBody).optional() }) })
  .meta({ id: 'Error', description: 'Every error. `details` lists every problem when there are several.' });

/** Where an answer's schema carries the answer's description for the document (api/openapi.ts). */
export const responseDescription = 'x-response-description';

/** An answer of the route: its JSON schema (the handler's type) and what it means. */
export function answer<T extends z.ZodType>(description: string, schema: T): T {
  return schema.meta({ [responseDescription]: description }) as T;
}

/** An answer without a body (204, 302). */
export const noContent = (description: string) => answer(description, z.null());

/**
 * The route's own error answers, by status, beyond those that api/openapi.ts adds to every
 * route of its kind (400 bad JSON, 401, 413, 414, 415, 422, 503).
 */
export function errorAnswers<S extends number>(
  descriptions: Record<S, string>,
): Record<S, typeof errorSchema> {
  return Object.fromEntries(
    Object.entries(descriptions).map(([status, description]) => [
      status,
      answer(description as string, errorSchema),
    ]),
  ) as Record<S, typeof errorSchema>;
}

/** An answer that is not JSON (or not only): its body schema per media type. */
export function mediaAnswer(description: string, content: Record<string, z.ZodType>) {
  return {
    description,
    content: Object.fromEntries(Object.entries(content).map(([type, schema]) => [type, { schema }])),
  };
}

export const acceptedSchema = z
  .object({
    id: z.string().meta({ examples: ['msg_01jd0q8r6f3c9v2k7x5m4n8p1t'] }),
    status: z.enum(['queued', 'scheduled', 'suppressed']).meta({
      description:
        'suppressed: stored but not sent, because the recipient is on the suppression list for this stream (see `suppression`).',
    }),
    channel: z.enum(channels),
    to: z.string().meta({
      description: 'The recipient as Aviso will send to it: an address, or a phone number in E.164.',
    }),
    suppression: z
      .object({
        reason: z.enum(['hard-bounce', 'complaint', 'unsubscribe', 'soft-bounces', 'manual']),
        since: z.string().meta({ description: 'When the recipient was suppressed.' }),
      })
      .optional()
      .meta({ description: 'Why the message was not sent (status suppressed). See /v1/suppressions.' }),
    sms: z
      .object({ encoding: z.enum(['GSM-7', 'UCS-2']), segments: z.number().int() })
      .optional()
      .meta({ description: 'SMS: the encoding and the segments the text costs.' }),
  })
  .meta({ id: 'Accepted' });

const mailbox = z.object({ email: z.string(), name: z.string().optional() });

export const messageSchema = z
  .object({
    id: z.string(),
    status: z.enum(messageStatuses),
    channel: z.enum(channels),
    stream: z.string(),
    priority: z.enum(['high', 'normal', 'low']),
    to: z.union([mailbox, z.object({ phone: z.string().meta({ description: 'E.164' }) })]),
    from: z
      .union([mailbox, z.object({ sender: z.string().meta({ description: 'SMS sender ID or number' }) })])
      .nullable()
      .meta({ description: "null: the provider's default sender (always for WhatsApp)." }),
    replyTo: mailbox.nullable(),
    subject: z.string().nullable(),
    template: z.string().nullable(),
    templateVersion: z
      .number()
      .nullable()
      .meta({ description: 'The published version the message was rendered from.' }),
    locale: z.string().nullable().meta({ description: 'The template locale chosen for the recipient.' }),
    sms: z
      .object({
        encoding: z.enum(['GSM-7', 'UCS-2']),
        segments: z.number().int().meta({ description: 'What the SMS costs: one segment is one SMS.' }),
      })
      .nullable(),
    whatsapp: z
      .object({
        template: z.object({ name: z.string(), language: z.string(), components: z.array(z.unknown()) }),
      })
      .nullable()
      .meta({ description: 'The WhatsApp template message as sent to the Cloud API.' }),
    validUntil: z.string().nullable().meta({ description: 'Not sent by then, the message ends as expired.' }),
    tracking: z
      .object({
        opens: z.boolean().meta({ description: 'An open pixel was added.' }),
        clicks: z.boolean().meta({ description: 'Links went through signed redirects.' }),
        openCount: z.number().int().meta({ description: 'Human opens.' }),
        clickCount: z.number().int().meta({ description: 'Human clicks.' }),
        machineOpenCount: z
          .number()
          .int()
          .meta({ description: 'Opens by privacy proxies (Apple Mail Privacy Protection): not engagement.' }),
        machineClickCount: z.number().int().meta({ description: 'Clicks by link scanners: not engagement.' }),
        firstOpenedAt: z.string().nullable(),
        firstClickedAt: z.string().nullable(),
      })
      .nullable()
      .meta({ description: 'Email only.' }),
    tags: z.array(z.string()),
    metadata: z.record(z.string(), z.unknown()),
    headers: z.record(z.string(), z.string()),
    attachments: z.number().int().meta({ description: 'How many attachments the message has.' }),
    sendAt: z.string().nullable(),
    messageIdHeader: z.string().nullable().meta({ description: 'The Message-ID header it was sent with.' }),
    provider: z.string().nullable(),
    providerMessageId: z.string().nullable(),
    attempts: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Message' });

export const eventSchema = z
  .object({
    type: z.string().meta({ examples: ['accepted', 'sent', 'deferred', 'bounced'] }),
    at: z.string(),
    details: z
      .record(z.string(), z.unknown())
      .meta({ description: 'Provider response, SMTP codes, next attempt, …' }),
  })
  .meta({ id: 'MessageEvent' });

export const messageWithEventsSchema = messageSchema
  .extend({ events: z.array(eventSchema) })
  .meta({ id: 'MessageWithEvents' });
