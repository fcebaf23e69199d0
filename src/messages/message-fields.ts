// The fields a message request is built of, each a zod schema with its own checks: addresses,
// custom headers, attachments (file names, base64 content), the recipient. The whole request
// and the checks across fields are in message-input.ts; only a few of these leave the folder.
import { z } from 'zod';
import {
  emailAddressPattern,
  isEmailAddress,
  isValidDisplayName,
  parseMailbox,
} from '../channels/email/index.ts';
import { singleLinePattern } from '../schemas/index.ts';
import { channels, priorityNames, streams } from '../vocabulary.ts';

/** A zod issue with Aviso's error code: the error model reads `params.code`. */
export const custom = (code: string, message: string) => ({ message, params: { code } });

export const noLineBreaks = (s: string) => !/[\r\n]/.test(s);

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
    email: z
      .string()
      .refine(isEmailAddress, custom('invalid_address', 'This is not a valid email address.'))
      .meta({ pattern: emailAddressPattern }),
    name: z
      .string()
      .max(256)
      .refine(isValidDisplayName, custom('header_injection', 'Line breaks are not allowed in a name.'))
      .optional()
      .meta({ pattern: singleLinePattern }),
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
      .meta({
        description: 'An address, or "Name <address>" (the name may be quoted), on one line.',
        examples: ['ana@example.com', 'Ana Díaz <ana@example.com>'],
        maxLength: 998,
        pattern: singleLinePattern,
      }),
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

export const headersSchema = z
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
    description: `Extra headers, at most 50, one line each; not those Aviso sets itself (${[...reservedHeaders].join(', ')}, in any case).`,
    examples: [{ 'X-Order-Id': '10042' }],
    maxProperties: 50,
    propertyNames: { pattern: headerName.source },
    additionalProperties: { type: 'string', maxLength: 998, pattern: singleLinePattern },
  });

/**
 * The characters decodeBase64Content reads, for the document. The rest of its rule (groups of
 * four, padded) is in the description: a pattern that counts groups makes validators' regular
 * expressions recurse once per group and overflow their stack on a file of a few MB.
 */
const base64Pattern = '^[A-Za-z0-9+/_\\s-]*={0,2}\\s*$';

/** C0 and C1 control characters and DEL: nothing a file name shows. */
function hasControlCharacter(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/**
 * A file name as recipients' mail clients will save it: no folders (`../../etc/passwd`), no
 * control characters, not only dots. Refused rather than rewritten, so the sender sees why.
 */
const filenameSchema = z
  .string()
  .min(1)
  .max(255)
  .refine(noLineBreaks, custom('header_injection', 'Line breaks are not allowed in a file name.'))
  .refine(
    (s) => !/[/\\]/.test(s),
    custom('invalid_filename', 'A file name has no folders: give "report.pdf", not "files/report.pdf".'),
  )
  .refine(
    (s) => !hasControlCharacter(s) && !/^\.+$/.test(s),
    custom('invalid_filename', 'A file name has no control characters and is not only dots.'),
  )
  .meta({
    description: 'The name recipients see and save the file as: no folders, no control characters.',
    pattern: '^(?!\\.+$)[^/\\\\\\u0000-\\u001f\\u007f-\\u009f]+$',
  });

export const attachmentSchema = z.strictObject({
  filename: filenameSchema,
  content: z
    .string()
    .refine((s) => decodeBase64Content(s) !== undefined, {
      ...custom(
        'invalid_base64',
        'Attachment content must be base64 (RFC 4648, with its "=" padding; base64url is read too): its length without blanks is a multiple of 4.',
      ),
    })
    .optional()
    .meta({
      description:
        'The file, base64-encoded (email): RFC 4648 with its "=" padding (a length, blanks aside, that is a multiple of 4); the base64url alphabet and line breaks are read too.',
      pattern: base64Pattern,
      contentEncoding: 'base64',
    }),
  url: z
    .url({ protocol: /^https?$/, message: 'Write an http(s) URL.' })
    .max(2000)
    .optional()
    .meta({
      description:
        'WhatsApp: where WhatsApp fetches the document (e.g. the invoice PDF) for the template header.',
    }),
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

/**
 * Attachment content as PostgreSQL's decode(…, 'base64') takes it: whitespace removed,
 * base64url read as base64; undefined when it is not padded base64. Padding is required, as
 * the vendors' APIs require it: without it, plain text sent by mistake ("abc", "invoice")
 * would often pass as base64 and go out as garbage bytes.
 */
export function decodeBase64Content(content: string): string | undefined {
  const compact = content.replace(/\s+/g, '').replace(/-/g, '+').replace(/_/g, '/');
  if (compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return undefined;
  return compact;
}

export const channelSchema = z.enum(channels);
export const streamSchema = z.enum(streams);
export const prioritySchema = z.enum(priorityNames);

export const recipientSchema = z.union([
  z
    .string()
    .min(1)
    .max(998)
    .meta({
      examples: ['ana@example.com', 'Ana Díaz <ana@example.com>', '+34600111222', '600 111 222'],
      pattern: singleLinePattern,
    }),
  addressObject,
]);
