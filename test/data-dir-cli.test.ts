// `AVISO_DATA_DIR=/x npm start`, then the command its banner prints: the key it creates works
// against the running server. A one-shot command that would instead create a second database
// while that server runs says which Aviso runs with which data folder, and stops (exit 2),
// unless AVISO_CREATE_DATA_DIR=true. The real binary, an embedded PostgreSQL per data folder.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AvisoProcess,
  avisoBin,
  avisoCli,
  removeDataDir,
  sendTestMessage,
  startAvisoProcess,
} from './helpers/aviso-process.ts';

let server: AvisoProcess;
let cwd: string;
let dataDir: string;
const otherDataDirs: string[] = [];

beforeAll(async () => {
  // Where `npm start` runs (its default data folder would be ./.aviso), and a custom data
  // folder elsewhere, with a space in its name so the printed command must quote it.
  cwd = mkdtempSync(join(tmpdir(), 'aviso-checkout-'));
  dataDir = join(mkdtempSync(join(tmpdir(), 'aviso-data-')), 'my data');
  server = await startAvisoProcess({ AVISO_DATA_DIR: dataDir }, { cwd });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  for (const dir of [dataDir, ...otherDataDirs, join(cwd, '.aviso')]) {
    await removeDataDir(dir);
    rmSync(dirname(dir), { recursive: true, force: true });
  }
}, 60_000);

describe('the CLI and a custom data folder', () => {
  it('prints a key command that names the data folder, and the key it makes works', async () => {
    const printed = /Create an API key: +(.+)\n/.exec(server.banner)?.[1] ?? '';
    expect(printed).toBe(`AVISO_DATA_DIR='${dataDir}' npx aviso keys create`);
    expect(server.banner).toContain(`data folder ${dataDir}`);

    // Run exactly what was printed, in the same folder; `npx aviso` is this checkout's binary.
    const created = await avisoCli(printed.replace('npx aviso', `${process.execPath} ${avisoBin}`), {}, cwd);
    expect(created.code).toBe(0);
    const key = created.stdout.trim().split('\n').at(-1) ?? '';
    expect(key).toMatch(/^avk_/);
    const sent = await sendTestMessage(server.url, key);
    expect(sent.status).toBe(202);
    expect(existsSync(join(cwd, '.aviso'))).toBe(false);
  }, 60_000);

  it('refuses to create a second database while Aviso runs, naming it and what to set', async () => {
    const refused = await avisoCli(['keys', 'create'], {}, cwd);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    const sentence = refused.stderr.trim();
    expect(sentence).toContain(`would create a new database in ${join(cwd, '.aviso')}`);
    expect(sentence).toContain(
      `Aviso already runs with data folder ${dataDir} (pid ${server.child.pid}, API ${server.url})`,
    );
    expect(sentence).toContain(`set AVISO_DATA_DIR='${dataDir}' to use its data`);
    expect(sentence).toContain('AVISO_CREATE_DATA_DIR=true');
    expect(existsSync(join(cwd, '.aviso'))).toBe(false);
  }, 60_000);

  it('creates the new database when told to go on', async () => {
    const elsewhere = join(mkdtempSync(join(tmpdir(), 'aviso-other-')), 'data');
    otherDataDirs.push(elsewhere);
    const created = await avisoCli(
      ['keys', 'create'],
      { AVISO_DATA_DIR: elsewhere, AVISO_CREATE_DATA_DIR: 'true' },
      cwd,
    );
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^avk_/);
    // A key of another database: the running server does not know it.
    expect((await sendTestMessage(server.url, key)).status).toBe(401);
  }, 120_000);
});
