// What routes share in their schemas: the error envelope, an accepted message, the paged
// lists' cursor, and the helpers that describe each answer for the OpenAPI document.
// (Responses are serialised without re-validation: tests check them against the document.)
import { z } from 'zod';
import { errorCodes } from '../errors/index.ts';
import type { PreparedMessage } from '../messages/index.ts';
import { channels, smsEncodings, suppressionReasons } from '../vocabulary.ts';

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

/** The query field of every paged list: the cursors themselves are db/keyset-page.ts's. */
export const cursorField = z.string().optional().meta({ description: '`nextCursor` of the previous page.' });

/** The error answer of every paged list for a cursor it did not give. */
export const badCursor = { 400: 'The cursor is not one this API gave.' } as const;

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
        reason: z.enum(suppressionReasons),
        since: z.string().meta({ description: 'When the recipient was suppressed.' }),
      })
      .optional()
      .meta({ description: 'Why the message was not sent (status suppressed). See /v1/suppressions.' }),
    sms: z
      .object({ encoding: z.enum(smsEncodings), segments: z.number().int() })
      .optional()
      .meta({ description: 'SMS: the encoding and the segments the text costs.' }),
  })
  .meta({ id: 'Accepted' });

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
