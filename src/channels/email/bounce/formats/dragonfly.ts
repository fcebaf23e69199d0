// DragonFly Mail Agent (dma): "There was an error delivering your mail to <address>." and
// the remote host's reply below it, one recipient per notice.
import { findAddress } from '../address.ts';
import type { RecipientFailure } from '../types.ts';
import { type BounceText, commandOf } from './types.ts';

export function readDragonFly(message: BounceText): RecipientFailure[] | undefined {
  const m = /error delivering your mail to <([^>]+)>\.?\s*([\s\S]*)/i.exec(message.body);
  const recipient = findAddress(m?.[1] ?? '');
  if (!m || !recipient) return undefined;
  const diagnostic = (m[2] ?? '').trim();
  return [{ recipient, diagnostic, command: commandOf(diagnostic) }];
}
