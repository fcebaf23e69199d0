// Maps an outgoing email to nodemailer's message options: the one place that decides the
// MIME structure (text and html as alternatives, attachments, inline images by cid, UTF-8
// names and subjects encoded by nodemailer per RFC 2047), the Message-ID and the DKIM key.
import type { SendMailOptions } from 'nodemailer';
import type { OutgoingEmail } from '../index.ts';
import type { Mailbox } from './address.ts';

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
    // Envelope sender = From for now; the feedback issue gives every message a VERP address.
    envelope: { from: message.from.email, to: [message.to.email] },
  };
  if (message.replyTo) options.replyTo = asAddress(message.replyTo);
  if (message.html !== null) options.html = message.html;
  if (message.text !== null) options.text = message.text;
  if (message.dkim) options.dkim = message.dkim;
  return options;
}
