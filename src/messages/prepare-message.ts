// Turns a validated message request into what is stored: the channel decided, phone numbers
// normalized to E.164, defaults applied (sender, stream, priority), attachments measured, the
// schedule and validity decided, templates rendered, the SMS encoding and segments counted,
// WhatsApp's rules checked. Everything that can be refused is refused here, before anything
// is written.
import { detectMimeType } from 'nodemailer/lib/mime-funcs/mime-types.js';
import { type Mailbox, parseMailbox } from '../channels/email/index.ts';
import type { Channel, WhatsAppComponent } from '../channels/index.ts';
import { parsePhoneNumber, type SmsEncoding, segmentSms } from '../channels/sms/index.ts';
import type { Config } from '../config/index.ts';
import { ApiError } from '../errors/index.ts';
import { newId } from '../ids/index.ts';
import type { SuppressionReason } from '../suppressions/index.ts';
import type { PublishedRender, PublishedTemplates, RenderedWhatsApp } from '../templates/index.ts';
import type { ChannelContext, WhatsAppRules } from './channel-context.ts';
import { acceptedStatus } from './lifecycle.ts';
import { decodeBase64Content } from './message-fields.ts';
import type { MessageInput } from './message-input.ts';
import { priorities } from './status.ts';

interface PreparedAttachment {
  filename: string;
  contentType: string;
  contentId: string | null;
  /** base64, decoded by PostgreSQL on insert. */
  content: string;
}

export interface PreparedMessage {
  id: string;
  /** When it was accepted: its id's time, the start of its validity, its createdAt. */
  acceptedAt: Date;
  channel: Channel;
  stream: string;
  priority: number;
  /** 'suppressed' is decided by the statement that stores the message (store-messages.ts). */
  status: 'queued' | 'scheduled' | 'suppressed';
  /** Why the message was not sent, when the recipient is suppressed on its stream. */
  suppression: { reason: SuppressionReason; since: string } | null;
  /** Email: open pixel and click redirects; null: the project's default. */
  tracking: { opens: boolean | null; clicks: boolean | null };
  /** A 2FA or password-reset template: bounce suppressions do not stop it. */
  bypassBounceSuppression: boolean;
  /** An email address, or a phone number in E.164. */
  to: { address: string; name: string | null };
  /** Email sender; SMS sender ID; null when the provider's default is used (always for WhatsApp). */
  from: { address: string; name: string | null } | null;
  replyTo: Mailbox | null;
  subject: string | null;
  html: string | null;
  text: string | null;
  template: string | null;
  templateVersion: number | null;
  locale: string | null;
  /** SMS only: what the text costs. */
  sms: { encoding: SmsEncoding; segments: number } | null;
  /** WhatsApp template messages: name, language and components, as the Cloud API takes them. */
  payload: WhatsAppPayload | null;
  validUntil: Date | null;
  headers: Record<string, string>;
  tags: string[];
  metadata: Record<string, unknown>;
  sendAt: Date | null;
  attachments: PreparedAttachment[];
}

interface WhatsAppPayload {
  template: { name: string; language: string; components: WhatsAppComponent[] };
}

export interface PrepareContext {
  config: Pick<Config, 'from' | 'maxAttachmentBytes'>;
  templates: PublishedTemplates;
  channels: ChannelContext;
  now: Date;
}

const maxScheduleMs = 366 * 24 * 3600 * 1000;
/** Twilio's limit for one message body; other providers are near it. */
const maxSmsCharacters = 1600;
const whatsappWindowMs = 24 * 3600 * 1000;

export async function prepareMessage(input: MessageInput, ctx: PrepareContext): Promise<PreparedMessage> {
  let sendAt: Date | null = null;
  if (input.sendAt !== undefined) {
    const at = new Date(input.sendAt);
    if (at.getTime() - ctx.now.getTime() > maxScheduleMs)
      throw new ApiError('send_at_too_far', undefined, 'sendAt');
    // A time in the past (clock skew, a retried request) means "now".
    if (at > ctx.now) sendAt = at;
  }
  const recipient = input.to;
  const phone =
    recipient.kind === 'phone' ? normalizePhone(recipient.number, ctx.channels.defaultRegion) : null;
  let channel: Channel = recipient.kind === 'email' ? 'email' : (recipient.channel ?? 'sms');

  let stream = input.stream ?? 'transactional';
  let rendered: PublishedRender | undefined;
  if (input.template !== undefined) {
    rendered = await ctx.templates.render({
      key: input.template,
      ...(input.templateVersion !== undefined ? { version: input.templateVersion } : {}),
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
      ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
      data: input.data ?? {},
      channels: (available) => {
        if (recipient.kind === 'phone' && recipient.channel === undefined) {
          channel = choosePhoneChannel(input.template as string, available);
        }
        return [channel];
      },
    });
    // The transactional/marketing line: a promotional design never goes out as transactional.
    if (rendered.category === 'promotional' && input.stream === 'transactional') {
      throw new ApiError(
        'conflicting_fields',
        `The template "${input.template}" is promotional; it cannot be sent on the transactional stream.`,
        'stream',
      );
    }
    stream = input.stream ?? rendered.category;
  }

  const common = {
    id: newId('msg', ctx.now.getTime()),
    acceptedAt: ctx.now,
    stream,
    priority: priorities[input.priority],
    status: acceptedStatus(Boolean(sendAt)),
    template: input.template ?? null,
    templateVersion: rendered?.version ?? null,
    locale: rendered?.locale ?? null,
    validUntil: validUntil(input.validFor ?? rendered?.validFor ?? null, sendAt ?? ctx.now),
    tracking: {
      opens: input.tracking?.opens ?? rendered?.tracking?.opens ?? null,
      clicks: input.tracking?.clicks ?? rendered?.tracking?.clicks ?? null,
    },
    bypassBounceSuppression: rendered?.bypassBounceSuppression ?? false,
    tags: input.tags ?? [],
    metadata: input.metadata ?? {},
    sendAt,
  };

  if (channel === 'email') {
    const content = rendered
      ? (rendered.rendered.email as { subject: string; html?: string; text?: string })
      : { subject: input.subject as string, html: input.html, text: input.text };
    const from = (input.from as Mailbox | undefined) ?? defaultSender(ctx.config.from);
    const to = (recipient as { mailbox: Mailbox }).mailbox;
    return prepared(channel, common, {
      to: { address: to.email, name: to.name ?? null },
      from: { address: from.email, name: from.name ?? null },
      replyTo: input.replyTo ?? null,
      subject: content.subject,
      html: content.html ?? null,
      text: content.text ?? null,
      headers: input.headers ?? {},
      attachments: prepareAttachments(input.attachments ?? [], ctx.config.maxAttachmentBytes),
    });
  }

  const to = { address: phone as string, name: null };
  if (channel === 'sms') {
    const text = rendered ? (rendered.rendered.sms?.text ?? '') : (input.text as string);
    if ([...text].length > maxSmsCharacters) {
      throw new ApiError(
        'text_too_long',
        `An SMS holds at most ${maxSmsCharacters} characters; this one has ${[...text].length}.`,
        input.template ? 'template' : 'text',
      );
    }
    if (text.trim() === '') throw new ApiError('content_missing', 'The SMS text is empty.', 'text');
    const { encoding, segments } = segmentSms(text);
    const from = input.from as string | undefined;
    return prepared(channel, common, {
      to,
      from: from ? { address: from, name: null } : null,
      text,
      sms: { encoding, segments },
    });
  }

  const whatsapp = ctx.channels.whatsapp;
  if (stream === 'promotional' && whatsapp.optedOut.has(to.address)) {
    throw new ApiError('whatsapp_opted_out', undefined, 'to');
  }
  if (!rendered) {
    const last = whatsapp.lastInbound.get(to.address);
    if (whatsapp.configured && (!last || ctx.now.getTime() - last.getTime() > whatsappWindowMs)) {
      throw new ApiError(
        'whatsapp_window_closed',
        `WhatsApp allows free-form text only within 24 hours of the recipient's last message to you (${
          last ? `theirs was at ${last.toISOString()}` : 'they have not written to this number'
        }). Send a template message instead.`,
        'text',
      );
    }
    return prepared(channel, common, { to, text: input.text as string });
  }
  const approved = rendered.rendered.whatsapp as RenderedWhatsApp;
  const components: WhatsAppComponent[] = approved.components.map((c) => ({ ...c }));
  const document = input.attachments?.[0];
  if (document?.url !== undefined) {
    if (components.some((c) => c.type === 'header')) {
      throw new ApiError(
        'conflicting_fields',
        'The template fills its header with text; a document attachment has no place in it.',
        'attachments',
      );
    }
    components.unshift({
      type: 'header',
      parameters: [{ type: 'document', document: { link: document.url, filename: document.filename } }],
    });
  }
  checkApprovedTemplate(whatsapp, approved, components);
  return prepared(channel, common, {
    to,
    payload: { template: { name: approved.template, language: approved.language, components } },
  });
}

type Common = Pick<
  PreparedMessage,
  | 'id'
  | 'acceptedAt'
  | 'stream'
  | 'priority'
  | 'status'
  | 'template'
  | 'templateVersion'
  | 'locale'
  | 'validUntil'
  | 'tracking'
  | 'bypassBounceSuppression'
  | 'tags'
  | 'metadata'
  | 'sendAt'
>;

/**
 * One PreparedMessage, every field written out in one literal: messages of every channel share
 * one object shape, which keeps the accept path's property reads fast (spreading objects of
 * varying shapes made it several times slower).
 */
function prepared(
  channel: Channel,
  c: Common,
  p: Partial<Omit<PreparedMessage, keyof Common | 'channel'>> & Pick<PreparedMessage, 'to'>,
): PreparedMessage {
  const email = channel === 'email';
  return {
    id: c.id,
    acceptedAt: c.acceptedAt,
    channel,
    stream: c.stream,
    priority: c.priority,
    status: c.status,
    suppression: null,
    tracking: email ? c.tracking : noTracking,
    bypassBounceSuppression: c.bypassBounceSuppression,
    to: p.to,
    from: p.from ?? null,
    replyTo: p.replyTo ?? null,
    subject: p.subject ?? null,
    html: p.html ?? null,
    text: p.text ?? null,
    template: c.template,
    templateVersion: c.templateVersion,
    locale: c.locale,
    sms: p.sms ?? null,
    payload: p.payload ?? null,
    validUntil: c.validUntil,
    headers: p.headers ?? {},
    tags: c.tags,
    metadata: c.metadata,
    sendAt: c.sendAt,
    attachments: p.attachments ?? [],
  };
}

const noTracking = { opens: false, clicks: false };

function normalizePhone(number: string, region: string | null): string {
  const parsed = parsePhoneNumber(number, region ?? undefined);
  if (parsed.ok) return parsed.e164;
  const message =
    parsed.problem === 'needs_country'
      ? `"${number}" has no country code and the project has no default region: write it in E.164 ("+34600111222") or set one with "aviso projects set-region".`
      : parsed.problem === 'invalid_for_country'
        ? `"${number}" is not a valid number for its country.`
        : `"${number}" is not a phone number.`;
  throw new ApiError('invalid_phone_number', message, 'to');
}

function choosePhoneChannel(template: string, available: Channel[]): Channel {
  const sms = available.includes('sms');
  const whatsapp = available.includes('whatsapp');
  if (sms && whatsapp) {
    throw new ApiError(
      'channel_required',
      `The template "${template}" has SMS and WhatsApp content: say which with "channel".`,
      'channel',
    );
  }
  if (whatsapp) return 'whatsapp';
  if (sms) return 'sms';
  throw new ApiError(
    'template_channel_missing',
    `The template "${template}" has no SMS or WhatsApp content to send to a phone number.`,
    'template',
  );
}

function validUntil(seconds: number | null, from: Date): Date | null {
  return seconds === null ? null : new Date(from.getTime() + seconds * 1000);
}

/** Refuses at accept time what WhatsApp would refuse at send time. */
function checkApprovedTemplate(
  rules: WhatsAppRules,
  rendered: RenderedWhatsApp,
  components: WhatsAppComponent[],
) {
  if (!rules.configured) return;
  const name = `"${rendered.template}" (${rendered.language})`;
  if (!rules.synced) throw new ApiError('whatsapp_templates_not_synced', undefined, 'template');
  const approved = rules.templates.get(`${rendered.template}/${rendered.language}`);
  if (!approved) {
    throw new ApiError(
      'whatsapp_template_not_approved',
      `WhatsApp has no template ${name} for this account (last sync): create it in WhatsApp Manager, or run "aviso whatsapp templates sync".`,
      'template',
    );
  }
  if (approved.status !== 'APPROVED') {
    throw new ApiError(
      'whatsapp_template_not_approved',
      `The WhatsApp template ${name} is ${approved.status}; only APPROVED templates can be sent.`,
      'template',
    );
  }
  const count = (type: WhatsAppComponent['type']) =>
    components.filter((c) => c.type === type).reduce((n, c) => n + c.parameters.length, 0);
  const given = { header: count('header'), body: count('body'), buttons: count('button') };
  for (const part of ['header', 'body', 'buttons'] as const) {
    if (given[part] !== approved.parameters[part]) {
      throw new ApiError(
        'whatsapp_template_parameters',
        `The WhatsApp template ${name} takes ${approved.parameters[part]} ${part} parameter(s); Aviso's template gives ${given[part]}${
          part === 'header' && approved.headerFormat && approved.headerFormat !== 'TEXT'
            ? ` (its header is a ${approved.headerFormat}: attach it by "url")`
            : ''
        }.`,
        'template',
      );
    }
  }
}

function defaultSender(configured: string | undefined): Mailbox {
  const parsed = configured ? parseMailbox(configured) : undefined;
  if (!parsed) throw new ApiError('from_required', undefined, 'from');
  return parsed;
}

function prepareAttachments(
  list: NonNullable<MessageInput['attachments']>,
  limit: number,
): PreparedAttachment[] {
  let total = 0;
  const out = list.map((a, i) => {
    const content = decodeBase64Content(a.content ?? '');
    if (content === undefined) {
      throw new ApiError('invalid_base64', 'Attachment content is not base64.', `attachments[${i}].content`);
    }
    total += decodedLength(content);
    return {
      filename: a.filename,
      contentType: a.contentType ?? detectMimeType(a.filename),
      contentId: a.contentId ?? null,
      content,
    };
  });
  if (total > limit) {
    throw new ApiError(
      'attachments_too_large',
      `The attachments add up to ${total} bytes; the limit is ${limit} bytes.`,
      'attachments',
    );
  }
  return out;
}

function decodedLength(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return Math.floor((base64.length * 3) / 4) - padding;
}
