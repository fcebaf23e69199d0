// Notices that quote the SMTP session instead of summing it up: Postfix's "Transcript of
// session follows" to the postmaster, carriers' "RCPT TO: … / Error message below". The
// recipient is the one the session named in RCPT TO; the failure is the last error reply.
// Only for notices from a mail daemon: an ordinary message quoting a session is no bounce.
import { findAddress } from '../address.ts';
import type { RecipientFailure } from '../types.ts';
import type { BounceText } from './types.ts';

const daemonSender = /mailer-daemon|post_?master|mail delivery|mail-daemon|mailerdaemon/i;
const rcptLine = /RCPT\s+TO\s*:\s*<?([^\s<>]+@[^\s<>]+?)>?(?=[\s>]|$)/gi;
const errorReply = /^\s*(?:out:\s*|<<<\s*)?([45]\d\d)(?:[\s-]+[45]\.\d{1,3}\.\d{1,3})?[\s-].*$/gim;

export function readTranscript(message: BounceText): RecipientFailure[] | undefined {
  if (!daemonSender.test(message.from)) return undefined;
  const recipients = [...message.body.matchAll(rcptLine)].map((m) => findAddress(m[1] ?? '')).filter(Boolean);
  const errors = [...message.body.matchAll(errorReply)];
  const last = errors.at(-1);
  if (recipients.length === 0 || !last) return undefined;
  // The reply may go on over the next lines (a wrapped notice): until an empty line or the
  // next command or reply.
  const after = message.body
    .slice((last.index ?? 0) + last[0].length)
    .split(/\r?\n/)
    .slice(1);
  const more: string[] = [];
  for (const line of after) {
    if (line.trim() === '' || /^\s*(?:>>>|<<<|out:|in:)/i.test(line)) break;
    more.push(line.trim());
  }
  const diagnostic = [last[0].replace(/^\s*(?:out:\s*|<<<\s*)/i, '').trim(), ...more].join(' ');
  // Where the error came in the session tells which command it answered.
  const before = message.body.slice(0, last.index ?? 0);
  const command = /\bDATA\b/i.test(before.split(/RCPT\s+TO/i).at(-1) ?? '') ? 'DATA' : 'RCPT';
  return [...new Set(recipients)].map((recipient) => ({ recipient, diagnostic, command }));
}
