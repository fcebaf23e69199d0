import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { newWebhookSecret, signatureHeaders } from './sign.ts';

describe('signatureHeaders', () => {
  it('signs as the Standard Webhooks reference library does, and it verifies', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const at = new Date('2026-11-22T10:00:00Z');
    const body = '{"type":"message.sent"}';
    const headers = signatureHeaders(secret, 'evt_42', at, body);
    expect(headers['webhook-timestamp']).toBe(String(at.getTime() / 1000));
    expect(headers['webhook-signature']).toBe(new Webhook(secret).sign('evt_42', at, body));
    const fresh = signatureHeaders(secret, 'evt_42', new Date(), body);
    expect(new Webhook(secret).verify(body, fresh)).toEqual({ type: 'message.sent' });
    expect(() => new Webhook(secret).verify(body.replace('sent', 'read'), fresh)).toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, fresh)).toThrow();
  });
});
