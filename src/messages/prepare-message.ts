// Turns a validated message request into what is stored: defaults applied (sender, stream,
// priority), attachments measured, the schedule decided and templates rendered. Everything
// that can be refused is refused here, before anything is written.
import { detectMimeType } from 'nodemailer/lib/mime-funcs/mime-types.js';
import { type Mailbox, parseMailbox } from '../channels/email/index.ts';
import type { Config } from '../config/index.ts';
import { ApiError } from '../errors/index.ts';
import { newId } from '../ids/index.ts';
import type { PublishedTemplates } from '../templates/index.ts';
import type { MessageInput } from './message-input.ts';
import { priorities } from './status.ts';

export interface PreparedAttachment {
  filename: string;
  contentType: string;
  contentId: string | null;
  /** base64, decoded by PostgreSQL on insert. */
  content: string;
}

export interface PreparedMessage {
  id: string;
  channel: 'email';
  stream: string;
  priority: number;
  status: 'queued' | 'scheduled';
  to: Mailbox;
  from: Mailbox;
  replyTo: Mailbox | null;
  subject: string;
  html: string | null;
  text: string | null;
  template: string | null;
  templateVersion: number | null;
  locale: string | null;
  headers: Record<string, string>;
  tags: string[];
  metadata: Record<string, unknown>;
  sendAt: Date | null;
  attachments: PreparedAttachment[];
}

export interface PrepareContext {
  config: Pick<Config, 'from' | 'maxAttachmentBytes'>;
  templates: PublishedTemplates;
  now: Date;
}

const maxScheduleMs = 366 * 24 * 3600 * 1000;

export async function prepareMessage(input: MessageInput, ctx: PrepareContext): Promise<PreparedMessage> {
  const from = input.from ?? defaultSender(ctx.config.from);
  const attachments = prepareAttachments(input.attachments ?? [], ctx.config.maxAttachmentBytes);

  let sendAt: Date | null = null;
  if (input.sendAt !== undefined) {
    const at = new Date(input.sendAt);
    if (at.getTime() - ctx.now.getTime() > maxScheduleMs)
      throw new ApiError('send_at_too_far', undefined, 'sendAt');
    // A time in the past (clock skew, a retried request) means "now".
    if (at > ctx.now) sendAt = at;
  }

  let content: { subject: string; html?: string; text?: string };
  let stream = input.stream ?? 'transactional';
  let rendered: { version: number; locale: string } | undefined;
  if (input.template !== undefined) {
    const result = await ctx.templates.render({
      key: input.template,
      ...(input.templateVersion !== undefined ? { version: input.templateVersion } : {}),
      ...(input.locale !== undefined ? { locale: input.locale } : {}),
      ...(input.timezone !== undefined ? { timezone: input.timezone } : {}),
      data: input.data ?? {},
      channels: ['email'],
    });
    // The transactional/marketing line: a promotional design never goes out as transactional.
    if (result.category === 'promotional' && input.stream === 'transactional') {
      throw new ApiError(
        'conflicting_fields',
        `The template "${input.template}" is promotional; it cannot be sent on the transactional stream.`,
        'stream',
      );
    }
    stream = input.stream ?? result.category;
    content = result.rendered.email as { subject: string; html?: string; text?: string };
    rendered = { version: result.version, locale: result.locale };
  } else {
    content = { subject: input.subject as string, html: input.html, text: input.text };
  }

  return {
    id: newId('msg', ctx.now.getTime()),
    channel: 'email',
    stream,
    priority: priorities[input.priority],
    status: sendAt ? 'scheduled' : 'queued',
    to: input.to,
    from,
    replyTo: input.replyTo ?? null,
    subject: content.subject,
    html: content.html ?? null,
    text: content.text ?? null,
    template: input.template ?? null,
    templateVersion: rendered?.version ?? null,
    locale: rendered?.locale ?? null,
    headers: input.headers ?? {},
    tags: input.tags ?? [],
    metadata: input.metadata ?? {},
    sendAt,
    attachments,
  };
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
  const out = list.map((a) => {
    const content = a.content.replace(/\s+/g, '');
    if (content.length % 4 === 1) {
      throw new ApiError('invalid_base64', 'Attachment content is not complete base64.', 'attachments');
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
