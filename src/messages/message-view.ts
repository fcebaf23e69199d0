// A message as the API shows it: one zod schema is the answer's shape in the OpenAPI document
// and, through z.output, the type the queries (queries.ts) build. Declared here rather than
// in api/ because this folder builds it and must not import the API.
import { z } from 'zod';
import {
  channels,
  eventTypes,
  messageStatuses,
  priorityNames,
  smsEncodings,
  streams,
} from '../vocabulary.ts';

const mailbox = z.object({ email: z.string(), name: z.string().optional() });

export const messageSchema = z
  .object({
    id: z.string(),
    status: z.enum(messageStatuses),
    channel: z.enum(channels),
    stream: z.enum(streams),
    priority: z.enum(priorityNames),
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
        encoding: z.enum(smsEncodings),
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

const messageEventSchema = z
  .object({
    type: z.enum(eventTypes).meta({ examples: ['accepted', 'sent', 'deferred', 'bounced'] }),
    at: z.string(),
    details: z
      .record(z.string(), z.unknown())
      .meta({ description: 'Provider response, SMTP codes, next attempt, …' }),
  })
  .meta({ id: 'MessageEvent' });

export const messageWithEventsSchema = messageSchema
  .extend({ events: z.array(messageEventSchema) })
  .meta({ id: 'MessageWithEvents' });

export type MessageView = z.output<typeof messageSchema>;
export type MessageWithEvents = z.output<typeof messageWithEventsSchema>;
