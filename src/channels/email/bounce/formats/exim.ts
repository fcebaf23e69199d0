// Exim (and the many services built on it, e.g. Mail.ru): the failed address indented by
// two spaces, the reason indented further beneath it:
//   user@example.com
//     SMTP error from remote mail server after RCPT TO:<user@example.com>:
//     host mx.example.com [192.0.2.1]: 550 5.1.1 User unknown
import { findAddress } from '../address.ts';
import type { RecipientFailure } from '../types.ts';
import { type BounceText, commandOf, wrappedPhrases } from './types.ts';

const signature = wrappedPhrases(
  'This message was created automatically by mail delivery software',
  'could not be delivered to one or more of its recipients',
  'has not yet been delivered to one or more of its recipients',
  String.raw`The following address\(es\) failed`,
);

export function readExim(message: BounceText): RecipientFailure[] | undefined {
  if (!signature.test(message.body)) return undefined;
  const temporary = wrappedPhrases('not yet been delivered', 'delayed', 'deferred', 'temporary error').test(
    message.body.slice(0, 600),
  );
  // The list starts after "address(es) failed:"; before it Exim may quote the sender.
  const listStart = /address\(es\) (?:failed|deferred)[^\n]*\n/i.exec(message.body);
  const lines = message.body.slice(listStart ? listStart.index + listStart[0].length : 0).split(/\r?\n/);
  const failures: RecipientFailure[] = [];
  let current: { recipient: string; lines: string[] } | undefined;
  const flush = () => {
    if (!current) return;
    const diagnostic = current.lines.join(' ').trim();
    // Exim gives up on an address after its retry period: every attempt failed temporarily.
    const gaveUp = /retry timeout exceeded|have been failing for a long time/i.test(diagnostic);
    if (!failures.some((f) => f.recipient === current?.recipient)) {
      failures.push({
        recipient: current.recipient,
        diagnostic,
        command: commandOf(diagnostic),
        temporary: temporary || gaveUp,
      });
    }
    current = undefined;
  };
  for (const line of lines) {
    const head = /^ {1,3}(\S+@[^\s:]+?)(?::|\s+<[^>]*>:?)?(?:\s+(.*))?$/.exec(line);
    if (head?.[1] && findAddress(head[1])) {
      flush();
      current = { recipient: findAddress(head[1]), lines: head[2] ? [head[2]] : [] };
    } else if (current && /^\s{4,}\S/.test(line)) {
      current.lines.push(line.trim());
    } else if (current && line.trim() !== '') {
      flush();
    }
  }
  flush();
  return failures.length > 0 ? failures : undefined;
}
