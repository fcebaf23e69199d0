import { describe, expect, it } from 'vitest';
import { ApiError } from '../errors/index.ts';
import { decodeCursor, decodeCursorParts, encodeCursor, keysetPage } from './keyset-page.ts';

const at = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const b64 = (text: string) => Buffer.from(text).toString('base64url');

describe('cursors', () => {
  // Cursors that clients hold from earlier versions must keep working: the bytes are fixed.
  it.each([
    ['msg_01jd0q8r6f3c9v2k7x5m4n8p1t', 'bXNnXzAxamQwcThyNmYzYzl2Mms3eDVtNG44cDF0'],
    ['12345', 'MTIzNDU'],
  ])('encodes the key %s as its base64url text', (key, cursor) => {
    expect(encodeCursor(key)).toBe(cursor);
    expect(decodeCursor(cursor, /^.+$/)).toBe(key);
  });

  it('encodes a key of several values as a JSON array, and reads it back', () => {
    const key = ['2026-01-02T03:04:05.123456Z', 'ana@example.com', 'promotional'] as const;
    const cursor = encodeCursor(key);
    expect(cursor).toBe(b64(JSON.stringify(key)));
    expect(decodeCursorParts(cursor, [at, /^/, /^/])).toEqual([...key]);
    // Values beyond the ones asked for were always ignored.
    expect(decodeCursorParts(b64(JSON.stringify([...key, 'x'])), [at, /^/, /^/])).toEqual([...key]);
  });

  it.each([
    ['not base64 of a key', () => decodeCursor('!!!', /^\d{1,19}$/)],
    ['a key of another list', () => decodeCursor(b64('msg_01jd0q8r6f3c9v2k7x5m4n8p1t'), /^\d{1,19}$/)],
    ['not JSON', () => decodeCursorParts(b64('[1,'), [at])],
    ['not an array', () => decodeCursorParts(b64('"2026-01-02T03:04:05.123456Z"'), [at])],
    [
      'a value that is not text',
      () => decodeCursorParts(b64('["2026-01-02T03:04:05.123456Z", 1]'), [at, /^/]),
    ],
    ['too few values', () => decodeCursorParts(b64('["2026-01-02T03:04:05.123456Z"]'), [at, /^/])],
    ['a value off its pattern', () => decodeCursorParts(b64('["2026-01-02", "a"]'), [at, /^/])],
  ])('refuses %s with invalid_cursor on the cursor field', (_, decode) => {
    expect(decode).toThrow(ApiError);
    try {
      decode();
    } catch (error) {
      expect((error as ApiError).toBody().error).toMatchObject({ code: 'invalid_cursor', path: 'cursor' });
    }
  });
});

describe('keysetPage', () => {
  const rows = [{ id: '3' }, { id: '2' }, { id: '1' }];

  it('shows `limit` rows and points past the last one when a row more was fetched', () => {
    expect(keysetPage(rows, 2, (r) => r.id)).toEqual({
      rows: rows.slice(0, 2),
      nextCursor: encodeCursor('2'),
    });
  });

  it.each([3, 5])('has no next page when at most `limit` (%i) rows came', (limit) => {
    expect(keysetPage(rows, limit, (r) => r.id)).toEqual({ rows, nextCursor: null });
  });
});
