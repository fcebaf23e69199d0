// A pool from connect() outlives its embedded server's death: a client checked out at that
// moment (between two queries, as in a transaction) reports the loss on its next query instead
// of crashing the process with an unhandled 'error', and once the supervisor has restarted
// the server on the same port, new connections from the same pool just work.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { connect } from '../src/db/database.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { postmasterPid } from './helpers/aviso-process.ts';

const dir = mkdtempSync(join(tmpdir(), 'aviso-pool-'));
let server: EmbeddedPostgres | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

async function until(what: string, timeoutMs: number, done: () => Promise<boolean>) {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('survives the death of the server with a client checked out, and connects again after the restart', async () => {
  const restarts: string[] = [];
  server = await startEmbeddedPostgres(dir, (line) => restarts.push(line), {
    supervise: {
      limit: 5,
      windowMs: 60_000,
      graceMs: 60_000,
      firstDelayMs: 200,
      maxDelayMs: 2000,
      checkEveryMs: 100,
      warn: (line) => restarts.push(line),
    },
  });
  const { db, pool } = connect(server.url, { poolSize: 2 });
  const held = await pool.connect();
  await held.query('SELECT 1');

  const postmaster = postmasterPid(dir);
  process.kill(postmaster, 'SIGKILL');
  // Its backend says "terminating connection due to unexpected postmaster exit" to the idle
  // client: the next query on it fails, the process goes on.
  await until('the held connection to be lost', 10_000, () =>
    held.query('SELECT 1').then(
      () => false,
      () => true,
    ),
  );
  held.release();

  await until('a new connection from the same pool', 60_000, () =>
    sql`SELECT 1`.execute(db).then(
      () => true,
      () => false,
    ),
  );
  expect(postmasterPid(dir)).not.toBe(postmaster);
  await until('the supervisor to log the restart', 10_000, async () =>
    restarts.some((l) => /restarted after \d+ ms down/.test(l)),
  );
  await db.destroy();
}, 120_000);
