// Standard Webhooks signing (https://www.standardwebhooks.com): receivers verify our requests
// with any library of the spec. The secret is "whsec_" + base64 of the key; the signature is
// HMAC-SHA256 of "<id>.<timestamp>.<body>". Never log a secret.
import { createHmac, randomBytes } from 'node:crypto';

const secretPrefix = 'whsec_';

/** A new endpoint secret: "whsec_" + base64 of 24 random bytes. */
export function newWebhookSecret(): string {
  return `${secretPrefix}${randomBytes(24).toString('base64')}`;
}

/** The webhook-id of an event's deliveries: the same for every retry and replay of it. */
export function webhookMessageId(eventId: string): string {
  return `evt_${eventId}`;
}

/** The three headers of a signed request (spec §"Signature scheme"). */
export function signatureHeaders(
  secret: string,
  id: string,
  at: Date,
  body: string,
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  const timestamp = Math.floor(at.getTime() / 1000).toString();
  const key = Buffer.from(
    secret.startsWith(secretPrefix) ? secret.slice(secretPrefix.length) : secret,
    'base64',
  );
  const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` };
}
