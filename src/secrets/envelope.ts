// Envelope encryption of the secrets Aviso stores: AES-256-GCM under a master key that lives
// outside the database. A sealed value names its key and is bound to the place it is stored
// (associated data), so it never opens under another key or in another row. Pure: no I/O.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export interface MasterKey {
  /** Short name stored in every value it seals (`enc:v1:<id>:…`). */
  id: string;
  /** 32 bytes. */
  key: Buffer;
  /** When it was added (keyring file only). */
  createdAt?: string;
}

/** Master keys, oldest first: the last one seals new values, any of them opens. */
export interface Keyring {
  readonly keys: readonly MasterKey[];
}

const version = 'v1';
const ivBytes = 12;
const tagBytes = 16;
const sealedPattern = /^enc:v1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_-]{38,})$/;

/** A value sealed with a key the keyring does not have. */
export class UnknownMasterKey extends Error {
  constructor(readonly keyId: string) {
    super(`the secret is sealed with master key "${keyId}", which is not in the keyring`);
    this.name = 'UnknownMasterKey';
  }
}

/** A value that does not open: altered, moved to another place, or sealed by another key of that id. */
export class SecretUnreadable extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'SecretUnreadable';
  }
}

export function isSealed(value: string): boolean {
  return sealedPattern.test(value);
}

/** The id of the key that sealed `value`; null when it is not sealed. */
export function sealedKeyId(value: string): string | null {
  return sealedPattern.exec(value)?.[1] ?? null;
}

export function newestKey(keyring: Keyring): MasterKey {
  const key = keyring.keys.at(-1);
  if (!key) throw new Error('the master keyring is empty');
  return key;
}

// The key id is part of the associated data too: a value relabelled with another id fails.
const associatedData = (keyId: string, place: string) =>
  Buffer.from(`enc:${version}:${keyId}:${place}`, 'utf8');

/** `plaintext` sealed with the newest key, for storage at `place` (see places.ts). */
export function sealSecret(keyring: Keyring, plaintext: string, place: string): string {
  const { id, key } = newestKey(keyring);
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: tagBytes });
  cipher.setAAD(associatedData(id, place));
  const body = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `enc:${version}:${id}:${body.toString('base64url')}`;
}

/** The plaintext of a value sealed for `place`; throws UnknownMasterKey or SecretUnreadable. */
export function openSecret(keyring: Keyring, sealed: string, place: string): string {
  const match = sealedPattern.exec(sealed);
  if (!match) throw new SecretUnreadable('the stored value is not a sealed secret');
  const [, id, encoded] = match as unknown as [string, string, string];
  const master = keyring.keys.find((k) => k.id === id);
  if (!master) throw new UnknownMasterKey(id);
  const body = Buffer.from(encoded, 'base64url');
  // Node ignores stray bits at the end of base64: only the canonical spelling counts.
  if (body.toString('base64url') !== encoded || body.length < ivBytes + tagBytes)
    throw new SecretUnreadable('the sealed secret is truncated or not valid base64url');
  const decipher = createDecipheriv('aes-256-gcm', master.key, body.subarray(0, ivBytes), {
    authTagLength: tagBytes,
  });
  decipher.setAAD(associatedData(id, place));
  decipher.setAuthTag(body.subarray(body.length - tagBytes));
  try {
    return Buffer.concat([
      decipher.update(body.subarray(ivBytes, body.length - tagBytes)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    throw new SecretUnreadable(
      `the secret sealed with master key "${id}" does not open: it was altered, copied from another place, or that key is not the one that sealed it`,
    );
  }
}
