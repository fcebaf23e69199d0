// Microsoft Exchange 2000/2003 and Lotus Notes style notices: "did not reach the following
// recipient(s):" with "user@example.com on <date>" and the reason indented beneath, and
// Exchange 2007+ "Delivery has failed to these recipients or groups:" texts.
import { findAddress } from '../address.ts';
import type { RecipientFailure } from '../types.ts';
import type { BounceText } from './types.ts';

export function readExchange(message: BounceText): RecipientFailure[] | undefined {
  const body = message.body;
  const start =
    /did not reach the following recipient\(s\):|Delivery has failed to these recipients or groups:|could not be delivered to the following recipients?:/i.exec(
      body,
    );
  if (!start) return undefined;
  const lines = body.slice(start.index + start[0].length).split(/\r?\n/);
  const failures: RecipientFailure[] = [];
  let current: RecipientFailure | undefined;
  for (const line of lines) {
    const address = /^\S/.test(line) ? findAddress(line.split(/\s+on\s+/)[0] ?? '') : '';
    if (address && !/^(?:From|To|Subject|Sent):/i.test(line)) {
      current = { recipient: address, diagnostic: '' };
      failures.push(current);
    } else if (current && line.trim() !== '') {
      current.diagnostic = `${current.diagnostic} ${line.trim()}`.trim();
    }
  }
  return failures.length > 0 ? failures : undefined;
}
