// The process's keyring, passed to every writer and reader of stored secrets: seal on write,
// open on read, with opened values cached (readers on the send path open the same few values
// again and again). Loaded from AVISO_MASTER_KEY, else from the keyring file in the data folder,
// which is created on first start. A keyring that cannot open the database's secrets stops the
// start with one sentence saying which key is missing and what to do.
import { type Config, ConfigError } from '../config/index.ts';
import {
  type Keyring,
  type MasterKey,
  newestKey,
  openSecret,
  SecretUnreadable,
  sealSecret,
  UnknownMasterKey,
} from './envelope.ts';
import { parseMasterKeySetting } from './keyring.ts';
import { createKeyringFile, keyringFilePath, keyringFileStamp, readKeyringFile } from './keyring-file.ts';
import { MasterKeyError } from './master-key-error.ts';

export type KeyringSource = { kind: 'setting' } | { kind: 'file'; path: string; created: boolean };

const maxCached = 10_000;

export class Secrets {
  private readonly opened = new Map<string, string>();

  constructor(
    private keyring: Keyring,
    readonly source: KeyringSource,
    /** File mode: the keyring again if the file changed since the last call, else null. */
    private readonly reread?: () => Keyring | null,
  ) {}

  get keys(): readonly MasterKey[] {
    return this.keyring.keys;
  }

  /** The key new secrets are sealed with. */
  get newestKeyId(): string {
    return newestKey(this.keyring).id;
  }

  /** Sealed for storage at `place` (see places.ts), with the newest key. */
  seal(plaintext: string, place: string): string {
    // Writes are rare: look at the file each time, so a key added by `secrets rotate` in
    // another process is used at once and a retired one no more.
    this.refresh();
    return sealSecret(this.keyring, plaintext, place);
  }

  open(sealed: string, place: string): string {
    const cacheKey = `${place}\n${sealed}`;
    const hit = this.opened.get(cacheKey);
    if (hit !== undefined) return hit;
    let plaintext: string;
    try {
      plaintext = openSecret(this.keyring, sealed, place);
    } catch (err) {
      // Sealed by a key that `secrets rotate` just added to the file: read the file again.
      if (!(err instanceof UnknownMasterKey) || !this.refresh()) throw err;
      plaintext = openSecret(this.keyring, sealed, place);
    }
    if (this.opened.size >= maxCached) this.opened.clear();
    this.opened.set(cacheKey, plaintext);
    return plaintext;
  }

  /** File mode: takes the file's keyring if it changed; true if it did. */
  refresh(): boolean {
    const next = this.reread?.();
    if (!next) return false;
    this.keyring = next;
    return true;
  }
}

/** What the database holds per key id: how many sealed values, and one to test the key on. */
export type SealedUsage = ReadonlyMap<string, { count: number; sample: { value: string; place: string } }>;

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

/**
 * The keyring for `config`, checked against what the database holds. Without AVISO_MASTER_KEY a
 * keyring file is created in the data folder, unless the database already holds sealed secrets
 * (then their keyring is missing, and a new one would not help).
 */
export function loadSecrets(config: Pick<Config, 'masterKey' | 'dataDir'>, usage: SealedUsage): Secrets {
  const path = keyringFilePath(config.dataDir);
  let secrets: Secrets;
  let holder: string;
  let advice: string;
  if (config.masterKey !== undefined) {
    let keyring: Keyring;
    try {
      keyring = parseMasterKeySetting(config.masterKey);
    } catch (err) {
      throw new ConfigError('AVISO_MASTER_KEY', (err as Error).message);
    }
    secrets = new Secrets(keyring, { kind: 'setting' });
    holder = 'AVISO_MASTER_KEY does';
    advice = 'add that key to AVISO_MASTER_KEY (keeping the others) in every Aviso process';
  } else {
    let keyring = readKeyringFile(path);
    let created = false;
    if (!keyring && usage.size > 0) {
      throw new MasterKeyError(
        `${missingSentence(usage, [...usage.keys()])}, and there is no keyring file ${path} nor AVISO_MASTER_KEY: restore that file from your backup, or set AVISO_MASTER_KEY to the keys that sealed them.`,
      );
    }
    if (!keyring) ({ keyring, created } = createKeyringFile(path));
    let stamp = keyringFileStamp(path);
    const reread = () => {
      const now = keyringFileStamp(path);
      if (now === stamp) return null;
      stamp = now;
      return readKeyringFile(path);
    };
    secrets = new Secrets(keyring, { kind: 'file', path, created }, reread);
    holder = `the keyring file ${path} does`;
    advice = 'restore that file from your backup, or set AVISO_MASTER_KEY to the keys that sealed them';
  }
  const known = new Set(secrets.keys.map((k) => k.id));
  const missing = [...usage.keys()].filter((id) => !known.has(id));
  if (missing.length > 0)
    throw new MasterKeyError(`${missingSentence(usage, missing)}, which ${holder} not hold: ${advice}.`);
  for (const [id, { sample }] of usage) {
    try {
      secrets.open(sample.value, sample.place);
    } catch (err) {
      if (!(err instanceof SecretUnreadable)) throw err;
      throw new MasterKeyError(
        `Master key "${id}" does not open the database's secrets sealed under that id (it is another key with the same id, or the rows were altered): give the key that sealed them.`,
      );
    }
  }
  return secrets;
}

function missingSentence(usage: SealedUsage, ids: string[]): string {
  const count = ids.reduce((n, id) => n + (usage.get(id)?.count ?? 0), 0);
  const keys = ids.map((id) => `"${id}"`).join(', ');
  return `The database holds ${plural(count, 'secret')} sealed with master key${ids.length === 1 ? '' : 's'} ${keys}`;
}
