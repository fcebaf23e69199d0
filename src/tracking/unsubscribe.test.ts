import { describe, expect, it } from 'vitest';
import {
  maskAddress,
  messageIdFromUnsubscribeToken,
  unsubscribeHeaders,
  unsubscribeUrl,
  withUnsubscribeHeaders,
} from './unsubscribe.ts';

const secret = Buffer.alloc(32, 5);
const messageId = 'msg_01jd0q8r6f3c9v2k7x5m4n8p1t';
const options = { messageId, baseUrl: 'https://aviso.example/', secret, mailtoDomain: 'bounces.example' };

describe('unsubscribe headers', () => {
  it('give the https URL and the mailto address with one token (RFC 2369, RFC 8058)', () => {
    const headers = unsubscribeHeaders(options);
    const match =
      /^<https:\/\/aviso\.example\/u\/([\w.-]+)>, <mailto:unsubscribe\+([\w.-]+)@bounces\.example\?subject=unsubscribe>$/.exec(
        headers['List-Unsubscribe'] as string,
      );
    expect(match?.[1]).toBe(match?.[2]);
    expect(messageIdFromUnsubscribeToken(match?.[1] as string, secret)).toBe(messageId);
    expect(`https://aviso.example/u/${match?.[1]}`).toBe(
      unsubscribeUrl(messageId, 'https://aviso.example', secret),
    );
    expect(headers['List-Unsubscribe-Post']).toBe('List-Unsubscribe=One-Click');
  });

  it('leave out the mailto without a domain', () => {
    expect(unsubscribeHeaders({ ...options, mailtoDomain: null })['List-Unsubscribe']).toMatch(
      /^<https:\/\/aviso\.example\/u\/[\w.-]+>$/,
    );
  });

  it('replace the message’s own unsubscribe headers, in any case, and keep the others', () => {
    const merged = withUnsubscribeHeaders(
      { 'list-unsubscribe': '<https://elsewhere.example/>', 'X-Campaign': 'spring' },
      options,
    );
    expect(Object.keys(merged).sort()).toEqual(['List-Unsubscribe', 'List-Unsubscribe-Post', 'X-Campaign']);
    expect(merged['X-Campaign']).toBe('spring');
    expect(merged['List-Unsubscribe']).toContain('https://aviso.example/u/');
  });

  it('tokens from another key or of another message are refused', () => {
    const token = unsubscribeUrl(messageId, 'https://a.example', secret).split('/u/')[1] as string;
    expect(messageIdFromUnsubscribeToken(token, Buffer.alloc(32, 6))).toBeNull();
    expect(messageIdFromUnsubscribeToken(token.toLowerCase(), secret)).toBeNull();
  });
});

describe('maskAddress', () => {
  it.each([
    ['jordan@example.com', 'j***@example.com'],
    ['a@example.com', 'a***@example.com'],
    ['"odd@name"@example.com', '"***@example.com'],
    ['+34600000000', '+***'],
  ])('%s → %s', (address, masked) => {
    expect(maskAddress(address)).toBe(masked);
  });
});
