import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatKeyringFile,
  generateMasterKey,
  keyFingerprint,
  masterKeySettingEntry,
  parseKeyringFile,
  parseMasterKeySetting,
} from './keyring.ts';

const a = Buffer.alloc(32, 1);
const b = Buffer.alloc(32, 2);
const b64 = (key: Buffer) => key.toString('base64');

describe('AVISO_MASTER_KEY', () => {
  it.each([
    ['one bare key: its id is its fingerprint', b64(a), [[keyFingerprint(a), a]]],
    ['one key with an id', `k1:${b64(a)}`, [['k1', a]]],
    [
      'a keyring, newest last',
      `k1:${b64(a)}, k2:${b64(b)}`,
      [
        ['k1', a],
        ['k2', b],
      ],
    ],
    ['URL-safe base64', `k1:${a.toString('base64url')}`, [['k1', a]]],
    [
      'mixed',
      `${b64(a)},2026-06_b:${b64(b)}`,
      [
        [keyFingerprint(a), a],
        ['2026-06_b', b],
      ],
    ],
  ])('reads %s', (_name, text, expected) => {
    const { keys } = parseMasterKeySetting(text);
    expect(keys.map((k) => [k.id, k.key])).toEqual(expected);
  });

  it.each([
    ['a short key', 'k1:c2hvcnQ=', /the value is not "id:key" or "key".*openssl rand -base64 32/],
    ['a 33-byte key', b64(Buffer.alloc(33, 1)), /not "id:key"/],
    ['an empty entry', `k1:${b64(a)},`, /entry 2 is not/],
    ['a bad id', `k 1:${b64(a)}`, /key id that is not 1 to 32 letters/],
    ['an empty id', `:${b64(a)}`, /key id that is not/],
    ['a repeated id', `k1:${b64(a)},k1:${b64(b)}`, /key id "k1" appears twice/],
    ['the same bare key twice', `${b64(a)},${b64(a)}`, /appears twice/],
  ])('refuses %s, without repeating key material', (_name, text, message) => {
    expect(() => parseMasterKeySetting(text)).toThrow(message);
    try {
      parseMasterKeySetting(text);
    } catch (err) {
      expect((err as Error).message).not.toContain(b64(a));
    }
  });

  it('round-trips through the entry it prints for an operator (property)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.stringMatching(/^[A-Za-z0-9_-]{1,32}$/),
        (bytes, id) => {
          const key = { id, key: Buffer.from(bytes) };
          expect(parseMasterKeySetting(masterKeySettingEntry(key)).keys).toEqual([key]);
        },
      ),
    );
  });
});

describe('the keyring file', () => {
  it('round-trips its keys, in order, with when each was added', () => {
    const keyring = { keys: [generateMasterKey(new Date('2026-01-01T00:00:00Z')), generateMasterKey()] };
    const text = formatKeyringFile(keyring);
    expect(JSON.parse(text).about).toMatch(/Back this file up/);
    expect(parseKeyringFile(text)).toEqual(keyring);
  });

  it('gives generated keys their fingerprint as id', () => {
    const key = generateMasterKey();
    expect(key.id).toBe(keyFingerprint(key.key));
    expect(key.id).toMatch(/^[0-9a-f]{8}$/);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['no keys', '{"keys": []}', /no "keys" list/],
    ['a bad key', '{"keys": [{"id": "k1", "key": "c2hvcnQ="}]}', /key 1 is not/],
    [
      'a repeated id',
      `{"keys": [{"id": "k1", "key": "${b64(a)}"}, {"id": "k1", "key": "${b64(b)}"}]}`,
      /twice/,
    ],
    ['null', 'null', /no "keys" list/],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parseKeyringFile(text)).toThrow(message);
  });
});
