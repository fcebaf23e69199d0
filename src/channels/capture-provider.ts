// The capture provider for SMS and WhatsApp: like email's, it delivers nothing and stores what
// would have been sent (the message as JSON, readable at GET /v1/messages/{id}/raw). It is
// what a project uses until it configures a real provider for the channel.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import type { OutgoingSms, OutgoingWhatsApp, SendResult } from './provider.ts';

export class CaptureMessageProvider {
  readonly name = 'capture';

  constructor(private readonly db: Kysely<Database>) {}

  async send(message: OutgoingSms | OutgoingWhatsApp): Promise<SendResult> {
    return storeCaptured(this.db, message, Buffer.from(JSON.stringify(message, null, 2)));
  }

  async close(): Promise<void> {}
}

/** Keeps what a capture provider would have sent (a resend replaces it) and says so. */
export async function storeCaptured(
  db: Kysely<Database>,
  message: { id: string; projectId: string },
  raw: Buffer,
): Promise<SendResult> {
  await db
    .insertInto('captured_messages')
    .values({ message_id: message.id, project_id: message.projectId, raw })
    .onConflict((oc) => oc.column('message_id').doUpdateSet({ raw }))
    .execute();
  return { providerMessageId: null, response: `captured ${raw.length} bytes (not delivered)` };
}
