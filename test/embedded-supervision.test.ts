// The embedded PostgreSQL is supervised by the `aviso start` that runs it. After `kill -9` of
// its postmaster the API answers 503 with Retry-After (never 500), the server is restarted on
// the same port, sends are accepted again and delivered (the worker claims again), and
// /healthz stays 200. When restarts keep failing, /healthz answers 503 in Aviso's error JSON:
// after the restart limit, or once the database has been down longer than the grace.
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
    ...env,
  });
  cleanups.push(() => server.stop());
  const created = await avisoCli(['keys', 'create'], { AVISO_DATA_DIR: dataDir });
  expect(created.code).toBe(0);
  return { server, dataDir, key: created.stdout.trim() };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
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

/** A setting PostgreSQL refuses at start: every restart fails until it is taken out again. */
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
    const accepted = await until('a send to be accepted after the crash', 60_000, async () => {
      // A 503 sent before the body was read may reach the client as a reset connection.
      const sent = await sendTestMessage(server.url, key, 'After the crash').catch(() => undefined);
      if (!sent) return undefined;
      seen.add(sent.status);
      if (sent.status === 503) expect(sent.headers.get('retry-after')).toBe('5');
      return sent.status === 202 ? sent : undefined;
    });
    const recoveredMs = Date.now() - killedAt;
    expect([...seen].filter((s) => s !== 202 && s !== 503)).toEqual([]);
    expect(postmasterPid(dataDir)).not.toBe(postmaster);

    await until('the message sent after the crash to be delivered', 30_000, async () =>
      (await status(server, key, accepted.body.id as string)) === 'sent' ? true : undefined,
    );
    expect((await health(server)).status).toBe(200);
    expect((await health(server, '/readyz')).status).toBe(200);
    expect(server.output()).toContain('the embedded PostgreSQL died; restarting it');
    expect(server.output()).toMatch(/the embedded PostgreSQL restarted after \d+ ms down/);
    console.log(`recovered ${recoveredMs} ms after kill -9 of the postmaster`);
  }, 180_000);

  it('fails /healthz once its restarts are used up', async () => {
    const { server, dataDir } = await startSupervised({
      AVISO_PG_RESTARTS: '2',
      AVISO_PG_GRACE_SECONDS: '600',
    });
    expect((await health(server)).status).toBe(200);
    appendFileSync(join(clusterDirOf(dataDir), 'postgresql.conf'), badSetting);
    process.kill(postmasterPid(dataDir), 'SIGKILL');

    const failed = await until('/healthz to fail', 60_000, async () => {
      const answer = await health(server);
      return answer.status === 503 ? answer : undefined;
    });
    expect(failed.body.error?.code).toBe('service_unavailable');
    expect(failed.body.error?.message).toMatch(
      /the embedded PostgreSQL is down and Aviso stopped restarting it \(2 restarts within 10 min, the most allowed\)/,
    );
    expect((await health(server, '/readyz')).status).toBe(503);
    expect(server.output().match(/restarting the embedded PostgreSQL failed/g)?.length).toBe(2);
  }, 180_000);

  it('fails /healthz while the database stays down beyond the grace, and recovers with it', async () => {
    const { server, dataDir, key } = await startSupervised({
      AVISO_PG_RESTARTS: '50',
      AVISO_PG_GRACE_SECONDS: '2',
    });
    const conf = join(clusterDirOf(dataDir), 'postgresql.conf');
    const original = readFileSync(conf, 'utf8');
    appendFileSync(conf, badSetting);
    process.kill(postmasterPid(dataDir), 'SIGKILL');

    const failed = await until('/healthz to fail', 30_000, async () => {
      const answer = await health(server);
      return answer.status === 503 ? answer : undefined;
    });
    expect(failed.body.error?.message).toMatch(/the embedded PostgreSQL has been down for \d+ s/);

    // The cause goes away: the next restart succeeds and the process serves again.
    writeFileSync(conf, original);
    await until('/healthz to pass again', 60_000, async () =>
      (await health(server)).status === 200 ? true : undefined,
    );
    const sent = await until('a send to be accepted', 30_000, async () => {
      const answer = await sendTestMessage(server.url, key);
      return answer.status === 202 ? answer : undefined;
    });
    await until('the message to be delivered', 30_000, async () =>
      (await status(server, key, sent.body.id as string)) === 'sent' ? true : undefined,
    );
  }, 180_000);
});
