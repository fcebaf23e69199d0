// Maps an outgoing email to nodemailer's message options: the one place that decides the
// MIME structure (text and html as alternatives, attachments, inline images by cid, UTF-8
// names and subjects encoded by nodemailer per RFC 2047), the Message-ID and the DKIM key.
import type { SendMailOptions } from 'nodemailer';
import type { OutgoingEmail } from '../index.ts';
import { asciiAddress, type Mailbox } from './address.ts';

/**
 * nodemailer's default list of signed headers plus List-Unsubscribe-Post: RFC 8058 §4 says
 * mailbox providers honour one-click unsubscribe only when the DKIM signature covers both.
 */
const signedHeaders = [
  'From:Sender:Reply-To:Subject:Date:Message-ID:To:Cc:MIME-Version:Content-Type',
  'Content-Transfer-Encoding:Content-ID:Content-Description:Resent-Date:Resent-From',
  'Resent-Sender:Resent-To:Resent-Cc:Resent-Message-ID:In-Reply-To:References:List-Id',
  'List-Help:List-Unsubscribe:List-Unsubscribe-Post:List-Subscribe:List-Post:List-Owner:List-Archive:OTP-Token',
].join(':');

const asAddress = (m: Mailbox) => (m.name ? { name: m.name, address: m.email } : m.email);

export function mailOptions(message: OutgoingEmail): SendMailOptions {
  const options: SendMailOptions = {
    from: asAddress(message.from),
    to: asAddress(message.to),
    subject: message.subject,
    messageId: message.messageIdHeader,
    headers: message.headers,
    attachments: message.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
      ...(a.contentId ? { cid: a.contentId } : {}),
    })),
    // The envelope sender is where bounces go: the message's own VERP address when a bounce
    // domain is configured. Domains go as A-labels; only a non-ASCII local part needs SMTPUTF8.
    envelope: envelopeOf(message),
  };
  if (message.replyTo) options.replyTo = asAddress(message.replyTo);
  if (message.html !== null) options.html = message.html;
  if (message.text !== null) options.text = message.text;
  if (message.dkim) options.dkim = { ...message.dkim, headerFieldNames: signedHeaders };
  return options;
}

/** MAIL FROM and RCPT TO of a message. */
export function envelopeOf(message: OutgoingEmail): { from: string; to: string[] } {
  return {
    from: asciiAddress(message.returnPath ?? message.from.email),
    to: [asciiAddress(message.to.email)],
  };
}
