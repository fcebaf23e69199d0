// Gmail's own notices (before it sent RFC 3464 reports): "Delivery to the following
// recipient failed permanently:", the address indented, then "Technical details of
// permanent failure:" with the remote server's reply.
import { findAddress } from '../address.ts';
import type { RecipientFailure } from '../types.ts';
import type { BounceText } from './types.ts';

export function readGmail(message: BounceText): RecipientFailure[] | undefined {
  const body = message.body;
  const head =
    /Delivery to the following recipients? (failed permanently|has been delayed|failed)[^:\n]*:\s*\r?\n([\s\S]*?)\r?\n\s*\r?\n/i.exec(
      body,
    );
  if (!head) return undefined;
  const temporary = /delayed/i.test(head[1] ?? '');
  const details = /Technical details of (?:permanent|temporary) failure:\s*([\s\S]*)/i.exec(body)?.[1] ?? '';
  const returned = /The error that the other server returned was:\s*([\s\S]*)/i.exec(details)?.[1];
  const diagnostic = (returned ?? details).trim();
  const recipients = (head[2] ?? '').split(/\r?\n/).map(findAddress).filter(Boolean);
  return recipients.map((recipient) => ({ recipient, diagnostic, temporary }));
}
