// Master keys as operators write them (AVISO_MASTER_KEY: "id:key,id:key", newest last) and as
// the keyring file keeps them. Pure: parsing and formatting; keyring-file.ts reads and writes.
// Problems are described without ever repeating key material.
import { createHash, randomBytes } from 'node:crypto';
import type { Keyring, MasterKey } from './envelope.ts';

const idPattern = /^[A-Za-z0-9_-]{1,32}$/;
const howToMake = 'make one with: openssl rand -base64 32';

/** The id a key gets when none is written: 8 hex digits of its SHA-256, the same everywhere. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 8);
}

export function generateMasterKey(now = new Date()): MasterKey {
  const key = randomBytes(32);
  return { id: keyFingerprint(key), key, createdAt: now.toISOString() };
}

/** Standard or URL-safe base64 of exactly 32 bytes, else null. */
function decodeKey(text: string): Buffer | null {
  if (!/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) return null;
  const key = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : null;
}

function checkUnique(keys: readonly MasterKey[]): void {
  const seen = new Set<string>();
  for (const { id } of keys) {
    if (seen.has(id)) throw new Error(`key id "${id}" appears twice`);
    seen.add(id);
  }
}

/** AVISO_MASTER_KEY: comma-separated `id:key` or bare keys (their id is the fingerprint), newest last. */
export function parseMasterKeySetting(text: string): Keyring {
  const entries = text.split(',').map((e) => e.trim());
  const keys = entries.map((entry, i): MasterKey => {
    const colon = entry.indexOf(':');
    const id = colon === -1 ? undefined : entry.slice(0, colon);
    const key = decodeKey(colon === -1 ? entry : entry.slice(colon + 1));
    const which = entries.length > 1 ? `entry ${i + 1}` : 'the value';
    if (id !== undefined && !idPattern.test(id))
      throw new Error(`${which} has a key id that is not 1 to 32 letters, digits, "-" or "_"`);
    if (!key)
      throw new Error(`${which} is not "id:key" or "key" with the key in base64 of 32 bytes (${howToMake})`);
    return { id: id ?? keyFingerprint(key), key };
  });
  checkUnique(keys);
  return { keys };
}

/** One entry of AVISO_MASTER_KEY for `key`. */
export function masterKeySettingEntry(key: MasterKey): string {
  return `${key.id}:${key.key.toString('base64')}`;
}

const about =
  "Aviso's master keys: they seal the provider credentials, webhook secrets, DKIM keys and link-signing key in its database. " +
  'Back this file up: without it those secrets cannot be read. Oldest first; the last one seals new secrets. ' +
  'AVISO_MASTER_KEY takes the same keys as "id:key,id:key".';

export function formatKeyringFile(keyring: Keyring): string {
  const keys = keyring.keys.map((k) => ({ id: k.id, key: k.key.toString('base64'), createdAt: k.createdAt }));
  return `${JSON.stringify({ about, keys }, null, 2)}\n`;
}

export function parseKeyringFile(text: string): Keyring {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('it is not valid JSON');
  }
  const list = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(list) || list.length === 0) throw new Error('it has no "keys" list');
  const keys = list.map((entry: unknown, i): MasterKey => {
    const { id, key, createdAt } = (entry ?? {}) as Record<string, unknown>;
    const bytes = typeof key === 'string' ? decodeKey(key) : null;
    if (typeof id !== 'string' || !idPattern.test(id) || !bytes)
      throw new Error(`key ${i + 1} is not {"id", "key": base64 of 32 bytes}`);
    return { id, key: bytes, ...(typeof createdAt === 'string' ? { createdAt } : {}) };
  });
  checkUnique(keys);
  return { keys };
}
