// The last resort when a mail daemon says plainly that a message failed but names nobody
// ("I'm afraid I wasn't able to deliver the following message. This is a permanent error"):
// the returned message's own envelope recipient (its Received trace's `for <…>`), else its To (enclosed, or quoted in the notice).
// Aviso sends one message per recipient, so the returned message's recipient is the one.
import { findAddress } from '../address.ts';
import type { RecipientFailure } from '../types.ts';
import { daemonSender } from './notice.ts';
import type { BounceText } from './types.ts';

const failedPlainly =
  /permanent (?:error|failure|fatal)|(?:was|were|has|have|could|can)(?:n't| not| never)(?: been| be)? (?:able to )?deliver|undeliverable|delivery (?:has )?failed|not (?:be )?delivered|did not (?:exactly )?match|no such (?:user|mailbox|address)/i;

export function readReturnedTo(message: BounceText): RecipientFailure[] | undefined {
  if (!daemonSender.test(message.from) || !failedPlainly.test(message.body)) return undefined;
  // Its headers may be quoted in the notice's own words too ("Subject: …", "To: …").
  const quotedTo = /^\s*To:\s*(.+)$/im.exec(message.body)?.[1] ?? '';
  const recipient =
    findAddress(message.originalEnvelopeTo) || findAddress(message.originalTo) || findAddress(quotedTo);
  if (!recipient) return undefined;
  return [{ recipient, diagnostic: message.body.replace(/\s+/g, ' ').trim().slice(0, 4000) }];
}
