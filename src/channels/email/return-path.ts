// VERP return paths: each email leaves with its own envelope sender,
// bounces+<message id>-<tag>@<bounce domain>, so a bounce names the message it is about
// whatever the bouncing server puts in its report. The tag is a truncated HMAC of the
// message id: a stranger who learns one return path cannot make up others to bounce
// (and suppress) recipients of other messages. Everything is lower case, because some
// servers lower-case the addresses they bounce to.
import { createHmac, timingSafeEqual } from 'node:crypto';

const tagLength = 10;

function tag(messageId: string, secret: Buffer): string {
  return createHmac('sha256', secret).update(`verp:${messageId}`).digest('hex').slice(0, tagLength);
}

/** The envelope sender for a message. */
export function returnPath(messageId: string, bounceDomain: string, secret: Buffer): string {
  return `bounces+${messageId}-${tag(messageId, secret)}@${bounceDomain}`;
}

/**
 * The message id a return path stands for, or null when the address is not one of ours
 * (another domain, another local part, a forged or damaged tag).
 */
export function messageIdFromReturnPath(
  address: string,
  bounceDomain: string,
  secret: Buffer,
): string | null {
  const match = /^bounces\+([a-z]+_[0-9a-z]{26})-([0-9a-f]+)@(.+)$/.exec(address.trim().toLowerCase());
  if (!match || match[3] !== bounceDomain.toLowerCase()) return null;
  const [, messageId, given] = match as unknown as [string, string, string];
  const expected = tag(messageId, secret);
  if (given.length !== expected.length) return null;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected)) ? messageId : null;
}
