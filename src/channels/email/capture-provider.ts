// The capture provider delivers nothing: it builds the exact MIME an SMTP relay would get
// (DKIM signature included) and stores it, so it can be read at GET /v1/messages/{id}/raw.
// It is what Aviso uses until a real provider is configured, and says so at start.
import type { Kysely } from 'kysely';
import nodemailer from 'nodemailer';
import type { Database } from '../../db/index.ts';
import { type EmailProvider, type OutgoingEmail, type SendResult, storeCaptured } from '../index.ts';
import { mailOptions } from './compose.ts';

export class CaptureProvider implements EmailProvider {
  readonly name = 'capture';
  private readonly composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows',
  });

  constructor(private readonly db: Kysely<Database>) {}

  async send(message: OutgoingEmail): Promise<SendResult> {
    const info = await this.composer.sendMail(mailOptions(message));
    return storeCaptured(this.db, message, info.message as Buffer);
  }

  async close(): Promise<void> {}
}
