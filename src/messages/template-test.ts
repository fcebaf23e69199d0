// Test sends of a template: the draft (or a version) rendered with the sample data (or given
// data) and accepted like any message, marked so nobody mistakes it for the real thing:
// "[Test]" before the subject (or the SMS text), the tag "test", high priority so the author
// sees it at once. An email address gets the email; a phone number the SMS.
import type { Kysely } from 'kysely';
import { isValidSenderId } from '../channels/sms/index.ts';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { type PreviewRequest, previewTemplate } from '../templates/index.ts';
import { acceptMessages } from './accept-messages.ts';
import { addressSchema } from './message-fields.ts';
import { isPhoneRecipient, type MessageInput } from './message-input.ts';
import type { PreparedMessage } from './prepare-message.ts';

export interface TemplateTest extends Omit<PreviewRequest, 'channels'> {
  to: string;
  /** An address, "Name <address>" or {email, name}; AVISO_FROM when missing. */
  from?: string | { email: string; name?: string };
}

export async function sendTemplateTest(
  db: Kysely<Database>,
  config: Pick<Config, 'from' | 'maxAttachmentBytes'>,
  projectId: string,
  key: string,
  test: TemplateTest,
): Promise<PreparedMessage> {
  const { to, from, ...options } = test;
  if (isPhoneRecipient(to)) return sendSmsTest(db, config, projectId, key, test);
  const address = addressSchema.safeParse(to);
  if (!address.success) {
    throw new ApiError(
      'invalid_address',
      'Give an email address or a phone number to send the test to.',
      'to',
    );
  }
  const sender = from === undefined ? undefined : addressSchema.safeParse(from);
  if (sender && !sender.success)
    throw new ApiError('invalid_address', 'This is not a valid sender address.', 'from');
  const preview = await previewTemplate(db, projectId, key, { ...options, channels: ['email'] });
  const email = preview.email;
  if (!email) throw new ApiError('template_channel_missing', 'The template has no email content.', 'key');
  return acceptTest(db, config, projectId, preview, {
    to: { kind: 'email', mailbox: address.data },
    ...(sender ? { from: sender.data } : {}),
    subject: `[Test] ${email.subject}`.slice(0, 998),
    ...(email.html !== undefined ? { html: email.html } : {}),
    ...(email.text !== undefined ? { text: email.text } : {}),
  });
}

async function sendSmsTest(
  db: Kysely<Database>,
  config: Pick<Config, 'from' | 'maxAttachmentBytes'>,
  projectId: string,
  key: string,
  test: TemplateTest,
): Promise<PreparedMessage> {
  const { to, from, ...options } = test;
  if (from !== undefined && (typeof from !== 'string' || !isValidSenderId(from))) {
    throw new ApiError('invalid_sender_id', undefined, 'from');
  }
  const preview = await previewTemplate(db, projectId, key, { ...options, channels: ['sms'] }).catch(
    (err) => {
      if (err instanceof ApiError && err.code === 'template_channel_missing') {
        throw new ApiError(
          'template_channel_missing',
          'The template has no SMS content; test sends to a phone number are SMS (WhatsApp templates are tested by sending a published version).',
          'to',
        );
      }
      throw err;
    },
  );
  const sms = preview.sms;
  if (!sms) throw new ApiError('template_channel_missing', 'The template has no SMS content.', 'to');
  return acceptTest(db, config, projectId, preview, {
    channel: 'sms',
    to: { kind: 'phone', number: to, channel: 'sms' },
    ...(from !== undefined ? { from } : {}),
    text: `[Test] ${sms.text}`,
  });
}

/** Accepts a test send like any message, marked as a test: tag, metadata, high priority. */
async function acceptTest(
  db: Kysely<Database>,
  config: Pick<Config, 'from' | 'maxAttachmentBytes'>,
  projectId: string,
  preview: { key: string; version: number | 'draft'; locale: string; category: MessageInput['stream'] },
  content: Omit<MessageInput, 'tags' | 'metadata' | 'stream' | 'priority'>,
): Promise<PreparedMessage> {
  const [message] = await acceptMessages(db, config, projectId, [
    {
      ...content,
      tags: ['test'],
      metadata: { template: preview.key, version: String(preview.version), locale: preview.locale },
      stream: preview.category,
      priority: 'high',
    },
  ]);
  if (!message || 'code' in message) throw ApiError.of(message?.details ?? (message ? [message] : []));
  return message;
}
