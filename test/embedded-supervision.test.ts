// The embedded PostgreSQL is supervised by the `aviso start` that runs it. After `kill -9` of
// its postmaster the API answers 503 with Retry-After (never 500), the server is restarted on
// the same port, sends are accepted again and delivered (the worker claims again), and
// /healthz stays 200. When restarts keep failing, /healthz answers 503 in Aviso's error JSON:
// once the database has been down longer than the grace, and after the restart limit.
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AvisoProcess,
  avisoCli,
  clusterDirOf,
  postmasterPid,
  removeDataDir,
  sendTestMessage,
  startAvisoProcess,
} from './helpers/aviso-process.ts';

const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}, 60_000);

async function startSupervised(env: Record<string, string> = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'aviso-supervised-'));
  cleanups.push(() => removeDataDir(dataDir));
  const server = await startAvisoProcess({
    AVISO_DATA_DIR: dataDir,
    AVISO_LOG_LEVEL: 'info',
    AVISO_WORKER_POLL_MS: '100',
    // A send caught by the crash is retried soon, not after the default 30 s.
    AVISO_RETRY_BASE_SECONDS: '1',
    ...env,
  });
  cleanups.push(() => server.stop());
  const created = await avisoCli(['keys', 'create'], { AVISO_DATA_DIR: dataDir });
  expect(created.code).toBe(0);
  return { server, dataDir, key: created.stdout.trim() };
}

/** What the server and its PostgreSQL said about the crash, for the message of a failed wait. */
const diagnosis = (server: AvisoProcess, dataDir: string) => () => {
  const aviso = server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{') && /PostgreSQL|restart|session/.test(l))
    .map((l) => {
      const line = JSON.parse(l) as { time: string; msg: string; err?: { message: string } };
      return `${line.time.slice(11, 23)} ${line.msg} ${line.err?.message ?? ''}`;
    });
  const postgres = readFileSync(join(dataDir, 'postgres.log'), 'utf8').split('\n').slice(-15);
  const exit = server.child.exitCode ?? server.child.signalCode;
  const procs = execFileSync('ps', ['-eo', 'pid,ppid,stat,args']).toString().split('\n');
  const pg = procs.filter((l) => l.includes(dataDir) || / Z/.test(l)).join('\n');
  const last = server.output().split('\n').slice(-25).join('\n').slice(-4000);
  return `aviso${exit === null ? '' : ` (exited: ${exit})`}:\n${aviso.join('\n')}\nlast output:\n${last}\npostgres.log:\n${postgres.join('\n')}\nprocesses:\n${pg}`;
};

async function until<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
  diagnose?: () => string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${diagnose ? `\n${diagnose()}` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function status(server: AvisoProcess, key: string, id: string): Promise<string | undefined> {
  const response = await fetch(`${server.url}/v1/messages/${id}`, {
    headers: { authorization: `Bearer ${key}` },
  });
  return response.status === 200 ? ((await response.json()) as { status: string }).status : undefined;
}

const health = async (server: AvisoProcess, path = '/healthz') => {
  const response = await fetch(`${server.url}${path}`);
  return {
    status: response.status,
    body: (await response.json()) as { error?: { code: string; message: string } },
  };
};

/** A setting PostgreSQL refuses at start: every restart fails. */
const badSetting = "\nshared_buffers = 'plenty'\n";

describe('supervision of the embedded PostgreSQL', () => {
  it('restarts it after kill -9 of its postmaster: sends are accepted and delivered again', async () => {
    const { server, dataDir, key } = await startSupervised();
    const before = await sendTestMessage(server.url, key, 'Before the crash');
    expect(before.status).toBe(202);
    await until('the first message to be sent', 20_000, async () =>
      (await status(server, key, before.body.id as string)) === 'sent' ? true : undefined,
    );

    const postmaster = postmasterPid(dataDir);
    process.kill(postmaster, 'SIGKILL');
    const killedAt = Date.now();
    const seen = new Set<number>();
    const restarted = () => {
      try {
        return postmasterPid(dataDir) !== postmaster;
      } catch {
        return false; // no postmaster.pid between the crash and the restart
      }
    };
    const accepted = await until(
      'a send to be accepted by the restarted server',
      60_000,
      async () => {
        // A 503 sent before the body was read may reach the client as a reset connection.
        const sent = await sendTestMessage(server.url, key, 'After the crash').catch(() => undefined);
        if (!sent) return undefined;
        seen.add(sent.status);
        if (sent.status === 503) expect(sent.headers.get('retry-after')).toBe('5');
        // Right after the kill, a backend that has not yet seen its postmaster die may still
        // commit a send (a 202 that is durable): only a 202 from the new server is recovery.
        return sent.status === 202 && restarted() ? sent : undefined;
      },
      diagnosis(server, dataDir),
    );
    const recoveredMs = Date.now() - killedAt;
    expect([...seen].filter((s) => s !== 202 && s !== 503)).toEqual([]);

    let last: string | undefined;
    await until(
      `the message sent after the crash to be delivered (${accepted.body.id})`,
      30_000,
      async () => {
        last = await status(server, key, accepted.body.id as string);
        return last === 'sent' ? true : undefined;
      },
      diagnosis(server, dataDir),
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nits last status: ${last}`);
    });
    expect((await health(server)).status).toBe(200);
    expect((await health(server, '/readyz')).status).toBe(200);
    expect(server.output()).toContain('the embedded PostgreSQL died; restarting it');
    // One lost worker session, replaced once (a session lost with its server reports twice).
    expect(server.output().match(/worker session lost; reconnecting/g)).toHaveLength(1);
    expect(server.output()).toMatch(/the embedded PostgreSQL restarted after \d+ ms down/);
    console.log(`recovered ${recoveredMs} ms after kill -9 of the postmaster`);
  }, 180_000);

  it('fails /healthz while restarts fail beyond the grace, and for good once they are used up', async () => {
    const { server, dataDir } = await startSupervised({
      AVISO_PG_RESTARTS: '3',
      AVISO_PG_GRACE_SECONDS: '2',
    });
    expect((await health(server)).status).toBe(200);
    appendFileSync(join(clusterDirOf(dataDir), 'postgresql.conf'), badSetting);
    process.kill(postmasterPid(dataDir), 'SIGKILL');

    // Tries at 1 s, 2 s and 4 s fail: past the grace, /healthz fails while they go on…
    const late = await until('/healthz to fail', 30_000, async () => {
      const answer = await health(server);
      return answer.status === 503 ? answer : undefined;
    });
    expect(late.body.error?.code).toBe('service_unavailable');
    expect(late.body.error?.message).toMatch(/the embedded PostgreSQL has been down for \d+ s/);
    // …and once the third has failed, Aviso stops trying.
    const gaveUp = await until('the supervisor to give up', 60_000, async () => {
      const answer = await health(server);
      return answer.body.error?.message.includes('stopped restarting') ? answer : undefined;
    });
    expect(gaveUp.status).toBe(503);
    expect(gaveUp.body.error?.message).toBe(
      'This process cannot serve: the embedded PostgreSQL is down and Aviso stopped restarting it (3 restarts within 10 min, the most allowed).',
    );
    expect((await health(server, '/readyz')).status).toBe(503);
    expect(server.output().match(/restarting the embedded PostgreSQL failed/g)?.length).toBe(3);
  }, 180_000);
});
