import { describe, expect, it } from 'vitest';
import { type SupervisionPolicy, Supervisor } from './supervisor.ts';

const policy: SupervisionPolicy = {
  limit: 3,
  windowMs: 60_000,
  firstDelayMs: 5,
  maxDelayMs: 20,
  graceMs: 60_000,
  checkEveryMs: 5,
};

/** A server whose process dies when told, and whose restarts follow a script. */
function scriptedServer(restarts: ('ok' | 'fail' | 'late')[]) {
  const server = {
    up: true,
    tries: 0,
    alive: () => server.up,
    async restart() {
      const outcome = restarts[server.tries++] ?? 'fail';
      // 'late': the server comes up, but the try reports failure (a timeout).
      if (outcome !== 'fail') server.up = true;
      if (outcome !== 'ok') throw new Error(`try ${server.tries} failed`);
    },
  };
  return server;
}

async function until(done: () => boolean) {
  for (let i = 0; i < 400 && !done(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(done()).toBe(true);
}

function supervise(server: ReturnType<typeof scriptedServer>, options: Partial<SupervisionPolicy> = {}) {
  const lines: string[] = [];
  const log = { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l) };
  const supervisor = new Supervisor(server, { ...policy, ...options }, log);
  supervisor.start();
  return { supervisor, lines };
}

describe('Supervisor', () => {
  it('restarts a dead server, retrying failed tries, and logs each step', async () => {
    const server = scriptedServer(['fail', 'ok']);
    const { supervisor, lines } = supervise(server);
    server.up = false;
    await until(() => server.up);
    await supervisor.stop();
    expect(server.tries).toBe(2);
    expect(supervisor.problem()).toBeNull();
    expect(lines[0]).toBe('the embedded PostgreSQL died; restarting it');
    expect(lines[1]).toBe('restarting the embedded PostgreSQL failed: try 1 failed');
    expect(lines[2]).toMatch(/^the embedded PostgreSQL restarted after \d+ ms down$/);
  });

  it('gives up after the limit and reports it', async () => {
    const server = scriptedServer([]);
    const { supervisor } = supervise(server);
    server.up = false;
    await until(() => supervisor.problem() !== null);
    await supervisor.stop();
    expect(server.tries).toBe(3);
    expect(supervisor.problem()).toBe(
      'the embedded PostgreSQL is down and Aviso stopped restarting it (3 restarts within 1 min, the most allowed)',
    );
  });

  it('reports a server down longer than the grace while it keeps trying', async () => {
    const server = scriptedServer([]);
    const { supervisor } = supervise(server, { limit: 1000, graceMs: 30 });
    server.up = false;
    await until(() => supervisor.problem()?.includes('has been down for') ?? false);
    await supervisor.stop();
  });

  it('does not start a second server when a try that failed started one after all', async () => {
    const server = scriptedServer(['late']);
    const { supervisor } = supervise(server);
    server.up = false;
    await until(() => server.up);
    await new Promise((r) => setTimeout(r, 50));
    await supervisor.stop();
    expect(server.tries).toBe(1);
    expect(supervisor.problem()).toBeNull();
  });
});
