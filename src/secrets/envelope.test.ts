import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isSealed,
  type Keyring,
  openSecret,
  SecretUnreadable,
  sealedKeyId,
  sealSecret,
  UnknownMasterKey,
} from './envelope.ts';
import { dkimKeyPlace, providerSecretPlace, webhookSecretPlace } from './places.ts';

const oldKey = { id: 'old', key: Buffer.alloc(32, 1) };
const newKey = { id: 'new', key: Buffer.alloc(32, 2) };
const keyring: Keyring = { keys: [oldKey, newKey] };
const place = providerSecretPlace('prov_01jd0q8r6f3c9v2k7x5m4n8p1t', 'authToken');

/** `sealed` with the character at `at` of its base64url body replaced. */
function alter(sealed: string, at: number): string {
  const head = sealed.slice(0, sealed.lastIndexOf(':') + 1);
  const chars = [...sealed.slice(head.length)];
  chars[at] = chars[at] === 'A' ? 'B' : 'A';
  return head + chars.join('');
}

describe('sealed secrets', () => {
  it.each([
    ['a Twilio auth token', '0123456789abcdef0123456789abcdef'],
    ['an SMTP URL with its password', 'smtps://user:p%40ss@mail.example.com:465?pool=4'],
    ['a webhook secret', 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
    ['an empty string', ''],
    [
      'a PEM key',
      '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----\n',
    ],
    ['non-ASCII text', 'contraseña ✓ 🔑'],
  ])('round-trip %s, sealed with the newest key', (_name, plaintext) => {
    const sealed = sealSecret(keyring, plaintext, place);
    expect(sealed).toMatch(/^enc:v1:new:[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(plaintext || '\u0000');
    expect(isSealed(sealed)).toBe(true);
    expect(sealedKeyId(sealed)).toBe('new');
    expect(openSecret(keyring, sealed, place)).toBe(plaintext);
  });

  it('round-trip any text at any place (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ minLength: 1 }), (plaintext, row) => {
        const where = webhookSecretPlace(row);
        expect(openSecret(keyring, sealSecret(keyring, plaintext, where), where)).toBe(plaintext);
      }),
    );
  });

  it('never seal the same value twice to the same text (random IV)', () => {
    expect(sealSecret(keyring, 'same', place)).not.toBe(sealSecret(keyring, 'same', place));
  });

  it('open what an older key of the keyring sealed', () => {
    const sealed = sealSecret({ keys: [oldKey] }, 'from before', place);
    expect(sealedKeyId(sealed)).toBe('old');
    expect(openSecret(keyring, sealed, place)).toBe('from before');
  });

  it('refuse every altered character, truncation and junk', () => {
    const sealed = sealSecret(keyring, 'twilio-auth-token', place);
    const body = sealed.slice(sealed.lastIndexOf(':') + 1);
    for (let i = 0; i < body.length; i++)
      expect(() => openSecret(keyring, alter(sealed, i), place)).toThrow(SecretUnreadable);
    for (const junk of [
      sealed.slice(0, -1),
      sealed.slice(0, 20),
      `${sealed}A`,
      'twilio-auth-token',
      '',
      'enc:v1:new:',
    ])
      expect(() => openSecret(keyring, junk, place)).toThrow(SecretUnreadable);
  });

  it('refuse altered bytes anywhere (property)', () => {
    fc.assert(
      fc.property(fc.string(), fc.nat(), fc.integer({ min: 1, max: 255 }), (plaintext, at, xor) => {
        const sealed = sealSecret(keyring, plaintext, place);
        const head = sealed.slice(0, sealed.lastIndexOf(':') + 1);
        const bytes = Buffer.from(sealed.slice(head.length), 'base64url');
        const i = at % bytes.length;
        bytes[i] = (bytes[i] as number) ^ xor;
        expect(() => openSecret(keyring, head + bytes.toString('base64url'), place)).toThrow(
          SecretUnreadable,
        );
      }),
    );
  });

  it.each([
    ['another row', providerSecretPlace('prov_other', 'authToken')],
    ['another field of the row', providerSecretPlace('prov_01jd0q8r6f3c9v2k7x5m4n8p1t', 'apiSecret')],
    ['another table', webhookSecretPlace('prov_01jd0q8r6f3c9v2k7x5m4n8p1t')],
    ['a DKIM key place', dkimKeyPlace('dom_1')],
  ])('refuse to open a value copied to %s', (_name, elsewhere) => {
    const sealed = sealSecret(keyring, 'twilio-auth-token', place);
    expect(() => openSecret(keyring, sealed, elsewhere)).toThrow(SecretUnreadable);
  });

  it('refuse a value relabelled with another key id of the keyring', () => {
    const sealed = sealSecret(keyring, 'x', place);
    expect(() => openSecret(keyring, sealed.replace(':new:', ':old:'), place)).toThrow(SecretUnreadable);
  });

  it('name the key id it lacks', () => {
    const sealed = sealSecret({ keys: [{ id: 'gone-2025', key: Buffer.alloc(32, 9) }] }, 'x', place);
    const open = () => openSecret(keyring, sealed, place);
    expect(open).toThrow(UnknownMasterKey);
    expect(open).toThrow('sealed with master key "gone-2025", which is not in the keyring');
  });

  it('refuse a key of the same id but other bytes', () => {
    const sealed = sealSecret(keyring, 'x', place);
    const impostor: Keyring = { keys: [{ id: 'new', key: Buffer.alloc(32, 3) }] };
    expect(() => openSecret(impostor, sealed, place)).toThrow(SecretUnreadable);
  });

  it.each([
    ['enc:v1:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', true],
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', false],
    ['enc:v2:k1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', false],
    ['enc:v1:k:1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', false],
    ['enc:v1:k1:short', false],
    ['smtp://u:p@host', false],
  ])('%s is sealed: %s', (value, sealed) => {
    expect(isSealed(value)).toBe(sealed);
  });
});
