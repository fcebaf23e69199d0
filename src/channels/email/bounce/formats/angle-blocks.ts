// The "<address>: reason" (or "address: reason", OpenSMTPD) blocks of qmail ("Hi. This is the qmail-send program"), Yahoo,
// vpopmail and Postfix's plain-text notices: each failed address in angle brackets and a
// colon, then the remote server's words until an empty line.
import { findAddress } from '../address.ts';
import type { RecipientFailure } from '../types.ts';
import { type BounceText, commandOf } from './types.ts';

export function readAngleBlocks(message: BounceText): RecipientFailure[] | undefined {
  const lines = message.body.split(/\r?\n/);
  const failures: RecipientFailure[] = [];
  let current: RecipientFailure | undefined;
  for (const line of lines) {
    const head = /^\s{0,4}(<[^<>\s]+@[^<>\s]+>|[^<>\s:]+@[^<>\s:]+):\s*(.*)$/.exec(line);
    // Inside a block, an indented line continues it even when it quotes the address again.
    if (head?.[1] && !(current && /^\s/.test(line))) {
      current = { recipient: findAddress(head[1]), diagnostic: head[2] ?? '' };
      failures.push(current);
    } else if (current && line.trim() !== '' && !/^-{2,}/.test(line.trim())) {
      current.diagnostic = `${current.diagnostic} ${line.trim()}`.trim();
    } else {
      current = undefined;
    }
  }
  for (const f of failures) f.command = commandOf(f.diagnostic);
  const temporary = /temporary|deferred|delayed|will keep trying/i.test(message.body.slice(0, 800));
  if (temporary) for (const f of failures) f.temporary = true;
  return failures.filter((f) => f.recipient).length > 0 ? failures.filter((f) => f.recipient) : undefined;
}
