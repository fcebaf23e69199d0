// Which Aviso servers run on this machine for this user: each `start`, `api` or `worker` leaves
// a small file in the temporary folder while it runs, so that a CLI command about to create a
// new database can name the server it would miss. Files of dead processes are ignored and
// removed; nothing here is needed for Aviso to work.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isAlive } from '../db/index.ts';

export interface RunningAviso {
  pid: number;
  /** Where its API listens, when it runs one. */
  url?: string;
  /** Its data folder (absolute), or undefined when it runs on DATABASE_URL. */
  dataDir?: string;
}

const folder = () => join(tmpdir(), `aviso-${process.getuid?.() ?? 'user'}`, 'running');

/** Records this process as a running Aviso; the returned function removes the record. */
export function announceRunning(entry: Omit<RunningAviso, 'pid'>): () => void {
  const dir = folder();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const file = join(dir, `${process.pid}.json`);
  writeFileSync(file, JSON.stringify({ ...entry, pid: process.pid }), { mode: 0o600 });
  return () => rmSync(file, { force: true });
}

/** The other Aviso processes running now. */
export function runningAvisos(): RunningAviso[] {
  const dir = folder();
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  const found: RunningAviso[] = [];
  for (const name of names) {
    const file = join(dir, name);
    let entry: RunningAviso;
    try {
      entry = JSON.parse(readFileSync(file, 'utf8')) as RunningAviso;
    } catch {
      continue;
    }
    if (entry.pid === process.pid) continue;
    if (isAlive(entry.pid)) found.push(entry);
    else rmSync(file, { force: true });
  }
  return found;
}
