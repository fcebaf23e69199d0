// The shape of a message request, as one zod schema: it validates the API input, gives the
// handler its types and becomes the OpenAPI document. Checks that need configuration or the
// database (default sender, attachment limit, templates) happen in prepare-message.ts.
import { z } from 'zod';
import { isEmailAddress, isValidDisplayName, parseMailbox } from '../channels/email/index.ts';
import { localeSchema } from '../templates/index.ts';

const custom = (code: string, message: string) => ({ message, params: { code } });

const noLineBreaks = (s: string) => !/[\r\n]/.test(s);

export function isTimezone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const addressObject = z
  .strictObject({
    email: z.string().refine(isEmailAddress, custom('invalid_address', 'This is not a valid email address.')),
    name: z
      .string()
      .max(256)
      .refine(isValidDisplayName, custom('header_injection', 'Line breaks are not allowed in a name.'))
      .optional(),
  })
  .meta({ description: 'A mailbox with an optional display name.' });

export const addressSchema = z
  .union([
    z
      .string()
      .refine(
        (s) => parseMailbox(s) !== undefined,
        custom(
          'invalid_address',
          'This is not a valid email address (write "ana@example.com" or "Ana <ana@example.com>").',
        ),
      )
      .meta({ examples: ['ana@example.com', 'Ana Díaz <ana@example.com>'] }),
    addressObject,
  ])
  .transform((value) =>
    typeof value === 'string' ? (parseMailbox(value) as { email: string; name?: string }) : value,
  );

const reservedHeaders = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'sender',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'dkim-signature',
  'return-path',
  'received',
  'list-unsubscribe',
  'list-unsubscribe-post',
]);

const headerName = /^[!-9;-~]{1,100}$/;

const headersSchema = z
  .record(z.string(), z.string().max(998))
  .superRefine((headers, ctx) => {
    for (const [name, value] of Object.entries(headers)) {
      if (!headerName.test(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          ...custom('invalid_header_name', `"${name}" is not a valid header name.`),
        });
      } else if (reservedHeaders.has(name.toLowerCase())) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          ...custom(
            'header_not_allowed',
            `The ${name} header is set by Aviso; use the matching field instead.`,
          ),
        });
      } else if (!noLineBreaks(value)) {
        ctx.addIssue({
          code: 'custom',
          path: [name],
          ...custom('header_injection', 'Line breaks are not allowed in header values.'),
        });
      }
    }
  })
  .refine((h) => Object.keys(h).length <= 50, custom('invalid_value', 'At most 50 custom headers.'))
  .meta({
    description: 'Extra headers (not those Aviso sets itself, such as From, To or Message-ID).',
    examples: [{ 'X-Order-Id': '10042' }],
  });

const base64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

const attachmentSchema = z.strictObject({
  filename: z
    .string()
    .min(1)
    .max(255)
    .refine(noLineBreaks, custom('header_injection', 'Line breaks are not allowed in a file name.')),
  content: z
    .string()
    .refine((s) => base64.test(s), custom('invalid_base64', 'Attachment content must be base64 (RFC 4648).'))
    .meta({ description: 'The file, base64-encoded.' }),
  contentType: z
    .string()
    .regex(/^[\w.+-]+\/[\w.+-]+$/, { message: 'Write a MIME type such as application/pdf.' })
    .optional()
    .meta({ description: 'MIME type; guessed from the file name when missing.' }),
  contentId: z
    .string()
    .max(200)
    .regex(/^[^\s<>]+$/, { message: 'A Content-ID has no spaces or angle brackets.' })
    .optional()
    .meta({ description: 'Makes the attachment inline: refer to it as cid:<contentId> in the HTML.' }),
});

export const streamSchema = z.enum(['transactional', 'promotional']);
export const prioritySchema = z.enum(['high', 'normal', 'low']);

export const messageInputSchema = z
  .strictObject({
    to: addressSchema.meta({ description: 'Recipient: an address, "Name <address>", or {email, name}.' }),
    from: addressSchema.optional().meta({ description: 'Sender; AVISO_FROM when missing.' }),
    replyTo: addressSchema.optional(),
    subject: z
      .string()
      .min(1)
      .max(998)
      .refine(noLineBreaks, custom('header_injection', 'Line breaks are not allowed in the subject.'))
      .optional(),
    html: z.string().max(5_000_000).optional(),
    text: z.string().max(5_000_000).optional(),
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
      .meta({ description: "The recipient's timezone for dates in the template; UTC when missing." }),
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
      .meta({ description: 'Your own key/values, returned with the message and its events.' }),
    stream: streamSchema
      .optional()
      .meta({ description: "transactional unless given; with a template, the template's category." }),
    priority: prioritySchema
      .default('normal')
      .meta({ description: 'high: 2FA codes, password resets — never waits behind normal or low messages.' }),
    sendAt: z.iso
      .datetime({ offset: true })
      .optional()
      .meta({ description: 'ISO 8601 time with offset; in the future → the message is scheduled.' }),
  })
  .superRefine((m, ctx) => {
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
  .meta({ id: 'EmailMessage' });

export type MessageInput = z.output<typeof messageInputSchema>;
