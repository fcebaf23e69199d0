// The shape of a message request, as one zod schema: it validates the API input, gives the
// handler its types and becomes the OpenAPI document (its fields are in message-fields.ts).
// Checks that need configuration or the database (default sender, phone region, attachment
// limit, templates) happen in prepare-message.ts. One schema serves every channel: which
// fields apply is checked once the channel is known (given, or inferred from `to`).
import { z } from 'zod';
import { type Mailbox, parseMailbox } from '../channels/email/index.ts';
import type { Channel } from '../channels/index.ts';
import { isValidSenderId } from '../channels/sms/index.ts';
import { int4Max, singleLinePattern, timezonePattern } from '../schemas/index.ts';
import { localeSchema, trackingSchema, validForSchema } from '../templates/index.ts';
import {
  addressSchema,
  attachmentSchema,
  channelSchema,
  custom,
  headersSchema,
  isTimezone,
  noLineBreaks,
  prioritySchema,
  recipientSchema,
  streamSchema,
} from './message-fields.ts';

export const messageInputSchema = z
  .strictObject({
    channel: channelSchema.optional().meta({
      description:
        'email, sms or whatsapp. Inferred when missing: an email address → email; a phone number → sms, or whatsapp when the template has only WhatsApp content.',
    }),
    to: recipientSchema.meta({
      description:
        'Email: an address, "Name <address>", or {email, name}. SMS and WhatsApp: a phone number, in E.164 ("+34600111222") or national form for the project\'s default region.',
    }),
    from: recipientSchema.optional().meta({
      description:
        "Email: the sender (AVISO_FROM when missing). SMS: a sender ID (≤ 11 letters and digits) or a number in E.164 (the provider's default when missing). Not used for WhatsApp.",
    }),
    replyTo: addressSchema.optional(),
    subject: z
      .string()
      .min(1)
      .max(998)
      .refine(noLineBreaks, custom('header_injection', 'Line breaks are not allowed in the subject.'))
      .optional()
      .meta({ pattern: singleLinePattern }),
    html: z.string().max(5_000_000).optional(),
    text: z.string().max(5_000_000).optional().meta({
      description:
        'Email: the text part. SMS: the message. WhatsApp: free-form text (only inside the 24-hour window).',
    }),
    template: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, {
        message: 'A template key is lower-case letters, digits, ".", "_" and "-".',
      })
      .optional()
      .meta({
        description: 'Key of a stored template; its subject, html and text are rendered with `data`.',
      }),
    templateVersion: z
      .number()
      .int()
      .min(1)
      .max(int4Max)
      .optional()
      .meta({ description: 'A published version of the template; the latest when missing.' }),
    data: z.record(z.string(), z.unknown()).optional().meta({ description: 'Merge data for the template.' }),
    locale: localeSchema.optional().meta({
      description:
        "The recipient's locale: picks the template's locale (es-MX → es → project default) and formats money and dates.",
    }),
    timezone: z
      .string()
      .max(64)
      .refine(
        isTimezone,
        custom(
          'invalid_timezone',
          'Write an IANA timezone such as "Europe/Madrid" or "America/Mexico_City".',
        ),
      )
      .optional()
      .meta({
        description:
          "The recipient's IANA time zone (Intl.supportedValuesOf('timeZone') of the server's Node.js, e.g. \"Europe/Madrid\") for dates in the template; UTC when missing.",
        pattern: timezonePattern,
      }),
    attachments: z.array(attachmentSchema).max(50).optional(),
    headers: headersSchema.optional(),
    tags: z
      .array(
        z
          .string()
          .min(1)
          .max(64)
          .regex(/^[^\p{Cc}]+$/u, { message: 'Tags have no control characters.' }),
      )
      .max(20)
      .optional(),
    metadata: z
      .record(z.string().max(64), z.union([z.string().max(1000), z.number(), z.boolean(), z.null()]))
      .refine((m) => Object.keys(m).length <= 50, custom('invalid_value', 'At most 50 metadata keys.'))
      .optional()
      .meta({
        description: 'Your own key/values (at most 50), returned with the message and its events.',
        maxProperties: 50,
      }),
    stream: streamSchema
      .optional()
      .meta({ description: "transactional unless given; with a template, the template's category." }),
    priority: prioritySchema
      .default('normal')
      .meta({ description: 'high: 2FA codes, password resets — never waits behind normal or low messages.' }),
    sendAt: z.iso.datetime({ offset: true }).optional().meta({
      description:
        'ISO 8601 time with offset; in the future → the message is scheduled, at most one year ahead (else 422 send_at_too_far).',
    }),
    validFor: validForSchema.optional().meta({
      description:
        "Seconds the message is worth sending, counted from sendAt or acceptance (a 2FA code: 300). Not sent by then → status expired. Default: the template's validFor, else the channel's retry horizon.",
    }),
    tracking: trackingSchema.optional().meta({
      description:
        "Email only: open pixel and/or click redirects for this message. Default: the template's setting, else the project's (PATCH /v1/project).",
    }),
  })
  .superRefine((m, ctx) => {
    checkChannelFields(m, ctx);
    if (m.template !== undefined) {
      for (const field of ['subject', 'html', 'text'] as const) {
        if (m[field] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: [field],
            ...custom(
              'conflicting_fields',
              `"${field}" comes from the template; do not give it with "template".`,
            ),
          });
        }
      }
      return;
    }
    for (const field of ['data', 'templateVersion', 'locale'] as const) {
      if (m[field] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          ...custom('conflicting_fields', `"${field}" is only used with "template".`),
        });
      }
    }
    const channel = m.channel ?? channelOf(m.to);
    if (channel !== 'email') {
      if (m.text === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['text'],
          ...custom('content_missing', 'Give "text", or a "template".'),
        });
      }
      return;
    }
    if (m.subject === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['subject'],
        ...custom('field_required', '"subject" is required (or use a "template").'),
      });
    }
    if (m.html === undefined && m.text === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['html'],
        ...custom('content_missing', 'Give "html" and/or "text", or a "template".'),
      });
    }
  })
  .transform((m) => {
    const channel = m.channel ?? channelOf(m.to);
    const to: Recipient =
      channel === 'email'
        ? { kind: 'email', mailbox: toMailbox(m.to) }
        : { kind: 'phone', number: m.to as string, channel: m.channel as 'sms' | 'whatsapp' | undefined };
    const from =
      m.from === undefined ? undefined : channel === 'email' ? toMailbox(m.from) : (m.from as string);
    return { ...m, to, from } as Omit<typeof m, 'to' | 'from'> & { to: Recipient; from?: Mailbox | string };
  })
  .meta({ id: 'MessageRequest' });

/**
 * Who receives the message. A phone number stays as written until prepare-message normalizes
 * it with the project's region; its channel is undefined until then when it was not given
 * (sms or whatsapp, decided by the template).
 */
type Recipient =
  | { kind: 'email'; mailbox: Mailbox }
  | { kind: 'phone'; number: string; channel: 'sms' | 'whatsapp' | undefined };

export type MessageInput = z.output<typeof messageInputSchema>;

type RawInput = {
  channel?: Channel;
  to: string | { email: string; name?: string };
  from?: string | { email: string; name?: string };
  replyTo?: unknown;
  subject?: string;
  html?: string;
  headers?: unknown;
  tracking?: unknown;
  attachments?: { content?: string; url?: string }[];
};

/** A recipient written as a phone number: digits and no "@" (anything else is read as email). */
export function isPhoneRecipient(to: string): boolean {
  return !to.includes('@') && /\d/.test(to);
}

/** A phone channel (sms or whatsapp, decided later) for a phone number, else email. */
function channelOf(to: RawInput['to']): Channel | 'phone' {
  return typeof to === 'string' && isPhoneRecipient(to) ? 'phone' : 'email';
}

function toMailbox(value: string | { email: string; name?: string }): Mailbox {
  return typeof value === 'string' ? (parseMailbox(value) as Mailbox) : value;
}

const emailOnly = ['subject', 'html', 'replyTo', 'headers', 'tracking'] as const;

/** The recipient, the sender and the fields that only some channels have. */
function checkChannelFields(m: RawInput, ctx: z.RefinementCtx): void {
  const channel = m.channel ?? channelOf(m.to);
  const issue = (path: (string | number)[], code: string, message: string) =>
    ctx.addIssue({ code: 'custom', path, ...custom(code, message) });
  if (channel === 'email') {
    if (typeof m.to === 'string' && parseMailbox(m.to) === undefined) {
      issue(
        ['to'],
        'invalid_address',
        m.channel === 'email' || m.to.includes('@')
          ? 'This is not a valid email address (write "ana@example.com" or "Ana <ana@example.com>").'
          : 'This is not an email address; for a phone number use channel "sms" or "whatsapp".',
      );
    }
    if (typeof m.from === 'string' && parseMailbox(m.from) === undefined) {
      issue(['from'], 'invalid_address', 'This is not a valid email address (write "ana@example.com").');
    }
    m.attachments?.forEach((a, i) => {
      if (a.content === undefined)
        issue(['attachments', i, 'content'], 'field_required', 'An email attachment needs its "content".');
      if (a.url !== undefined)
        issue(
          ['attachments', i, 'url'],
          'conflicting_fields',
          'Email attachments are sent whole: give "content".',
        );
    });
    return;
  }
  const name = channel === 'phone' ? 'SMS and WhatsApp' : channel === 'sms' ? 'SMS' : 'WhatsApp';
  if (typeof m.to !== 'string') {
    issue(['to'], 'invalid_phone_number', `${name} messages go to a phone number, written as a string.`);
  }
  for (const field of emailOnly) {
    if (m[field] !== undefined)
      issue([field], 'conflicting_fields', `"${field}" is for email; ${name} has none.`);
  }
  if (m.from !== undefined) {
    if (channel === 'whatsapp') {
      issue(['from'], 'conflicting_fields', "WhatsApp messages come from the provider's business number.");
    } else if (typeof m.from !== 'string' || !isValidSenderId(m.from)) {
      issue(
        ['from'],
        'invalid_sender_id',
        'An SMS sender is a number in E.164 ("+34600111222") or a name of 1 to 11 letters, digits and spaces, with at least one letter.',
      );
    }
  }
  m.attachments?.forEach((a, i) => {
    if (channel !== 'whatsapp') {
      issue(['attachments', i], 'conflicting_fields', 'SMS cannot carry attachments.');
    } else if (a.url === undefined) {
      issue(
        ['attachments', i, 'url'],
        'field_required',
        'WhatsApp fetches documents itself: give their "url".',
      );
    } else if (a.content !== undefined) {
      issue(['attachments', i, 'content'], 'conflicting_fields', 'Give "url" for WhatsApp, not "content".');
    }
  });
  if ((m.attachments?.length ?? 0) > 1) {
    issue(['attachments'], 'invalid_value', 'A WhatsApp template header holds one document.');
  }
}
