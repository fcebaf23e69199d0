// Test sends of a template: the draft (or a version) rendered with the sample data (or given
// data) and accepted like any message, marked so nobody mistakes it for the real thing:
// "[Test]" before the subject, the tag "test", high priority so the author sees it at once.
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { type PreviewRequest, previewTemplate } from '../templates/index.ts';
import { acceptMessages } from './accept-messages.ts';
import { addressSchema } from './message-input.ts';
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
  const address = addressSchema.safeParse(to);
  if (!address.success) {
    if (/^\+?[\d\s().-]{6,}$/.test(to)) {
      throw new ApiError(
        'channel_not_available',
        'Test sends to phone numbers need the SMS channel, which is not configured yet.',
        'to',
      );
    }
    throw new ApiError('invalid_address', 'Give an email address to send the test to.', 'to');
  }
  const sender = from === undefined ? undefined : addressSchema.safeParse(from);
  if (sender && !sender.success)
    throw new ApiError('invalid_address', 'This is not a valid sender address.', 'from');
  const preview = await previewTemplate(db, projectId, key, { ...options, channels: ['email'] });
  const email = preview.email;
  if (!email) throw new ApiError('template_channel_missing', 'The template has no email content.', 'key');
  const [message] = await acceptMessages(db, config, projectId, [
    {
      to: address.data,
      ...(sender ? { from: sender.data } : {}),
      subject: `[Test] ${email.subject}`.slice(0, 998),
      ...(email.html !== undefined ? { html: email.html } : {}),
      ...(email.text !== undefined ? { text: email.text } : {}),
      tags: ['test'],
      metadata: { template: preview.key, version: String(preview.version), locale: preview.locale },
      stream: preview.category,
      priority: 'high',
    },
  ]);
  if (!message || 'code' in message) throw ApiError.of(message?.details ?? (message ? [message] : []));
  return message;
}
