import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newId } from '../ids/index.ts';
import { readToken, signToken } from './tokens.ts';

const secret = Buffer.alloc(32, 7);
const otherSecret = Buffer.alloc(32, 8);
const messageId = 'msg_01jd0q8r6f3c9v2k7x5m4n8p1t';

/** The same token with one character of the given part replaced. */
function alter(token: string, part: 0 | 1, at = 0): string {
  const parts = token.split('.') as [string, string];
  const chars = [...parts[part]];
  chars[at] = chars[at] === 'A' ? 'B' : 'A';
  parts[part] = chars.join('');
  return parts.join('.');
}

describe('tracking tokens', () => {
  it('round-trip every kind', () => {
    const open = signToken({ kind: 'open', messageId }, secret);
    expect(readToken('open', open, secret)).toEqual({ kind: 'open', messageId });
    const unsubscribe = signToken({ kind: 'unsubscribe', messageId }, secret);
    expect(readToken('unsubscribe', unsubscribe, secret)).toEqual({ kind: 'unsubscribe', messageId });
    const click = { kind: 'click', messageId, url: 'https://shop.example/ä?a=1&b=2', linkIndex: 3 } as const;
    expect(readToken('click', signToken(click, secret), secret)).toEqual(click);
  });

  it('are URL-safe and short enough for a mailto local part', () => {
    const token = signToken({ kind: 'unsubscribe', messageId }, secret);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    // RFC 5321 §4.5.3.1.1: a local part has at most 64 octets.
    expect(`unsubscribe+${token}`.length).toBeLessThanOrEqual(64);
  });

  it('refuse a token of another kind', () => {
    const open = signToken({ kind: 'open', messageId }, secret);
    expect(readToken('unsubscribe', open, secret)).toBeNull();
    expect(readToken('click', open, secret)).toBeNull();
    const unsubscribe = signToken({ kind: 'unsubscribe', messageId }, secret);
    expect(readToken('open', unsubscribe, secret)).toBeNull();
    const click = signToken({ kind: 'click', messageId, url: 'https://a.example/', linkIndex: 0 }, secret);
    expect(readToken('open', click, secret)).toBeNull();
  });

  it('refuse another key, altered payloads and MACs, and junk', () => {
    const token = signToken({ kind: 'click', messageId, url: 'https://a.example/x', linkIndex: 1 }, secret);
    expect(readToken('click', token, otherSecret)).toBeNull();
    const [payload, mac] = token.split('.') as [string, string];
    for (let i = 0; i < payload.length; i++)
      expect(readToken('click', alter(token, 0, i), secret)).toBeNull();
    for (let i = 0; i < mac.length; i++) expect(readToken('click', alter(token, 1, i), secret)).toBeNull();
    for (const junk of [
      '',
      '.',
      'abc',
      `${payload}.`,
      `.${mac}`,
      `${payload}.${mac}.x`,
      `${payload}=.${mac}`,
    ])
      expect(readToken('click', junk, secret)).toBeNull();
  });

  it('refuse a URL swapped under the original MAC', () => {
    const token = signToken({ kind: 'click', messageId, url: 'https://shop.example/', linkIndex: 0 }, secret);
    const evil = signToken(
      { kind: 'click', messageId, url: 'https://evil.example/', linkIndex: 0 },
      otherSecret,
    );
    const swapped = `${evil.split('.')[0]}.${token.split('.')[1]}`;
    expect(readToken('click', swapped, secret)).toBeNull();
  });

  it('keep any message id and link (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 47 }),
        fc.webUrl(),
        fc.integer({ min: 0, max: 0xffff }),
        (ms, url, linkIndex) => {
          const id = newId('msg', ms);
          const click = { kind: 'click', messageId: id, url, linkIndex } as const;
          expect(readToken('click', signToken(click, secret), secret)).toEqual(click);
          expect(readToken('open', signToken({ kind: 'open', messageId: id }, secret), secret)).toEqual({
            kind: 'open',
            messageId: id,
          });
        },
      ),
    );
  });
});
