// Sendmail's plain notices (and V5 sendmail, which sends no DSN part): the addresses under
// "----- The following addresses had permanent fatal errors -----", the reasons in the
// "Transcript of session" as "550 5.1.1 <user@example.com>... User unknown".
import { findAddress } from '../address.ts';
import type { RecipientFailure } from '../types.ts';
import { type BounceText, commandOf } from './types.ts';

export function readSendmail(message: BounceText): RecipientFailure[] | undefined {
  const body = message.body;
  // Words may be wrapped onto the next line (re-wrapped, or quoted in a forward): any white
  // space between them.
  if (!/-{3,}\s*(?:The\s+following\s+addresses\s+had|Transcript\s+of\s+session\s+follows)/i.test(body))
    return undefined;
  const temporary = /transient\s+non-fatal\s+errors|Warning:\s+could\s+not\s+send\s+message/i.test(body);
  const recipients: string[] = [];
  const listed =
    /had\s+(?:permanent\s+fatal|transient\s+non-fatal)\s+errors\s*-+\r?\n([\s\S]*?)(?:\r?\n\s*\r?\n|-{3,})/i.exec(
      body,
    );
  for (const line of (listed?.[1] ?? '').split(/\r?\n/)) {
    const address = /^\s*\(/.test(line) ? '' : findAddress(line);
    if (address && !recipients.includes(address)) recipients.push(address);
  }
  const transcript = /Transcript\s+of\s+session\s+follows\s*-+\r?\n([\s\S]*)/i.exec(body)?.[1] ?? '';
  const replies = transcript
    .split(/\r?\n/)
    .map((l) => l.replace(/^<<<\s*/, '').trim())
    .filter((l) => /^[245]\d\d[ -]/.test(l));
  if (recipients.length === 0) {
    for (const r of replies) {
      const address = /\.\.\./.test(r) ? findAddress(r) : '';
      if (address && !recipients.includes(address)) recipients.push(address);
    }
  }
  // V5 Sendmail may report a failure of the whole host without naming the address.
  const fallback = findAddress(message.originalTo);
  if (recipients.length === 0 && replies.length > 0 && fallback) recipients.push(fallback);
  return recipients.map((recipient) => {
    const reason = new RegExp(`${escapeRegExp(recipient)}[\\s\\S]{0,80}?\\(reason:\\s*([^)]*)\\)`, 'i').exec(
      body,
    )?.[1];
    const own = replies.filter((r) => r.toLowerCase().includes(recipient));
    const diagnostic = reason ?? own.at(-1) ?? replies.at(-1) ?? '';
    return {
      recipient,
      diagnostic,
      command: commandOfReply(transcript, recipient) ?? commandOf(diagnostic),
      temporary,
    };
  });
}

/** The command sent just before the server's failure reply about this recipient. */
function commandOfReply(transcript: string, recipient: string): string | undefined {
  const replies = [...transcript.matchAll(/^<<<\s*([245])\d\d[^\n]*/gm)];
  const failing = replies.filter((m) => m[1] !== '2');
  // The first refusal is the cause; later ones (DATA after every RCPT failed) follow from it.
  const reply = failing.find((m) => m[0].toLowerCase().includes(recipient)) ?? failing[0];
  if (reply?.index === undefined) return undefined;
  const command = commandOf(transcript.slice(0, reply.index));
  // With PIPELINING (RFC 2920) the RCPT replies arrive after ">>> DATA"; only the last reply
  // of the group answers DATA itself.
  const sentAt = transcript.lastIndexOf('>>>', reply.index);
  const nextSent = transcript.indexOf('>>>', reply.index);
  const later = replies.filter(
    (m) => (m.index ?? 0) > (reply.index ?? 0) && (nextSent < 0 || (m.index ?? 0) < nextSent),
  );
  return command === 'DATA' && sentAt >= 0 && later.length > 0 ? 'RCPT' : command;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
