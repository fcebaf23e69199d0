// Starts Aviso in-process for a test: API on a free port and a worker, on a fresh test
// database, sending to the given SMTP URL (or capturing). Returns a small HTTP client.
import { type RunningServices, startServices } from '../../src/app/services.ts';
import { type Config, loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/log.ts';
import { createApiKey } from '../../src/projects/api-keys.ts';
import { createProject } from '../../src/projects/projects.ts';
import { parseMasterKeySetting, Secrets } from '../../src/secrets/index.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';

/** A parsed JSON response body: its shape is what the tests assert. */
// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies freely and assert on them
type Json = any;

export interface TestAviso {
  url: string;
  key: string;
  database: TestDatabase;
  services: RunningServices;
  config: Config;
  request(
    method: string,
    path: string,
    options?: { body?: unknown; key?: string | null; headers?: Record<string, string>; raw?: string },
  ): Promise<{ status: number; body: Json; headers: Headers }>;
  /** A second project with its own key (tenant isolation). */
  otherProjectKey(): Promise<string>;
  waitForStatus(id: string, statuses: string[], timeoutMs?: number): Promise<Json>;
  stop(): Promise<void>;
}

/** The keyring of the tests (vitest.config.ts), for code run without startTestAviso. */
export function testSecrets(): Secrets {
  return new Secrets(parseMasterKeySetting(process.env.AVISO_MASTER_KEY ?? ''), { kind: 'setting' });
}

/**
 * `database`: run on this one (a restart, or a second process's parts) instead of a fresh
 * database; stop() then leaves it for its owner to drop.
 */
export async function startTestAviso(
  env: Record<string, string> = {},
  parts = { api: true, worker: true },
  shared?: TestDatabase,
): Promise<TestAviso> {
  const database = shared ?? (await createTestDatabase());
  const config = loadConfig(
    {
      DATABASE_URL: database.url,
      AVISO_PORT: '0',
      AVISO_FROM: 'Aviso Tests <tests@aviso.test>',
      AVISO_WORKER_POLL_MS: '50',
      AVISO_LOG_LEVEL: process.env.AVISO_TEST_LOG_LEVEL ?? 'silent',
      AVISO_MASTER_KEY: process.env.AVISO_MASTER_KEY ?? '',
      ...env,
    },
    null,
  );
  let services: RunningServices;
  try {
    services = await startServices(config, createLogger(config.logLevel), parts);
  } catch (err) {
    if (!shared) await database.drop();
    throw err;
  }
  const { key } = await createApiKey(database.db, services.aviso.defaultProject.id, 'test');
  const url = services.url ?? '';
  const request: TestAviso['request'] = async (method, path, options = {}) => {
    const headers: Record<string, string> = { ...options.headers };
    const token = options.key === undefined ? key : options.key;
    if (token !== null) headers.authorization = `Bearer ${token}`;
    let body: string | undefined = options.raw;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers['content-type'] = 'application/json';
    }
    if (options.raw !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${url}${path}`, { method, headers, body });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: response.status, body: parsed, headers: response.headers };
  };
  return {
    url,
    key,
    database,
    services,
    config,
    request,
    async otherProjectKey() {
      const project = await createProject(database.db, `other-${Date.now()}`);
      return (await createApiKey(database.db, project.id, 'other')).key;
    },
    async waitForStatus(id, statuses, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const { body } = await request('GET', `/v1/messages/${id}`);
        if (statuses.includes(body.status)) return body;
        if (Date.now() > deadline)
          throw new Error(
            `message ${id} is ${body.status}, expected ${statuses.join('/')}; last event: ${JSON.stringify(body.events?.at(-1))}`,
          );
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async stop() {
      await services.stop();
      if (!shared) await database.drop();
    },
  };
}
