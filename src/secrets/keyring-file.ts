// The keyring file in the data folder (master-keys.json, mode 0600), used when AVISO_MASTER_KEY
// is not set. Written whole and renamed into place, so a reader never sees half a keyring, and
// created with link(2), so two processes starting at once end up with the same one.
import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Keyring } from './envelope.ts';
import { formatKeyringFile, generateMasterKey, parseKeyringFile } from './keyring.ts';
import { MasterKeyError } from './master-key-error.ts';

const keyringFileName = 'master-keys.json';

export function keyringFilePath(dataDir: string): string {
  return resolve(dataDir, keyringFileName);
}

/** A keyring file that cannot be read as one. */
class KeyringFileError extends MasterKeyError {
  constructor(path: string, problem: string) {
    super(`The master keyring file ${path} cannot be used: ${problem}.`);
    this.name = 'KeyringFileError';
  }
}

/** The keyring in `path`; null when there is no file. */
export function readKeyringFile(path: string): Keyring | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new KeyringFileError(path, (err as Error).message);
  }
  try {
    return parseKeyringFile(text);
  } catch (err) {
    throw new KeyringFileError(path, (err as Error).message);
  }
}

/** Identifies one version of the file: replacing it (rename) gives a new inode. */
export function keyringFileStamp(path: string): string | null {
  try {
    const s = statSync(path);
    return `${s.ino}/${s.mtimeMs}/${s.size}`;
  } catch {
    return null;
  }
}

function temporaryCopy(path: string, keyring: Keyring): string {
  mkdirSync(dirname(path), { recursive: true, mode: 0o711 });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, formatKeyringFile(keyring), { mode: 0o600 });
  return tmp;
}

/** Replaces the file with `keyring`. */
export function writeKeyringFile(path: string, keyring: Keyring): void {
  renameSync(temporaryCopy(path, keyring), path);
}

/** A new file with one fresh key, unless another process created one first: then that one. */
export function createKeyringFile(path: string): { keyring: Keyring; created: boolean } {
  const tmp = temporaryCopy(path, { keys: [generateMasterKey()] });
  let created = true;
  try {
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  } finally {
    rmSync(tmp, { force: true });
  }
  const keyring = readKeyringFile(path);
  if (!keyring) throw new KeyringFileError(path, 'it vanished right after it was created');
  return { keyring, created };
}
