// Starts Aviso the way `aviso api` / `aviso worker` do (startServices with a config from
// loadConfig), on a bench database, and stores messages through the same accept path as the
// API (acceptMessages: prepare, then one storeMessages statement per 500).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { sql } from 'kysely';
import { type RunningServices, startServices } from '../src/app/index.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import { freePort } from '../src/db/index.ts';
import { createLogger } from '../src/log.ts';
import { acceptMessages, type MessageInput, messageInputSchema } from '../src/messages/index.ts';
import { createApiKey } from '../src/projects/index.ts';
import { benchSender } from './content.ts';
import type { BenchOptions } from './options.ts';

export interface BenchAviso {
  services: RunningServices;
  config: Config;
  projectId: string;
  /** API base URL and a key for the default project (API part only). */
  url: string;
  key: string;
}

export async function startAviso(
  options: BenchOptions,
  databaseUrl: string,
  parts: { api: boolean; worker: boolean },
  env: Record<string, string> = {},
): Promise<BenchAviso> {
  const config = loadConfig(
    {
      DATABASE_URL: databaseUrl,
      AVISO_PORT: '0',
      AVISO_FROM: benchSender,
      AVISO_LOG_LEVEL: options.logLevel,
      ...env,
    },
    null,
  );
  const services = await startServices(config, createLogger(config.logLevel), parts);
  const projectId = services.aviso.defaultProject.id;
  let key = '';
  if (parts.api) {
    try {
      key = (await createApiKey(services.aviso.db, projectId, 'bench')).key;
    } catch (err) {
      await services.stop();
      throw err;
    }
  }
  return { services, config, projectId, url: services.url ?? '', key };
}

/**
 * Runs the API as its own process (`aviso api`), as it runs in production, so a load
 * generator in this process does not share its event loop. Returns its URL and a key.
 */
export async function spawnApi(
  options: BenchOptions,
  databaseUrl: string,
  projectKey: (db: RunningServices['aviso']) => Promise<string>,
): Promise<{ url: string; key: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child = spawn(process.execPath, ['bin/aviso.js', 'api'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      AVISO_PORT: String(port),
      AVISO_FROM: benchSender,
      AVISO_LOG_LEVEL: options.logLevel,
    },
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  };
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`aviso api exited with code ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {}
    if (Date.now() > deadline) {
      await stop();
      throw new Error('aviso api did not become ready in 30 s');
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const config = loadConfig({ DATABASE_URL: databaseUrl, AVISO_LOG_LEVEL: options.logLevel }, null);
  const { openAviso } = await import('../src/app/open.ts');
  const aviso = await openAviso(config, { poolSize: 2 });
  try {
    return { url, key: await projectKey(aviso), stop };
  } finally {
    await aviso.close();
  }
}

/** Validates a request body the way the API does (defaults applied). */
export function messageInput(body: Record<string, unknown>): MessageInput {
  return messageInputSchema.parse(body);
}

const storeChunk = 500;

/**
 * Accepts `count` messages in chunks of 500 (the batch endpoint's limit), each chunk one
 * transaction, with `parallel` chunks at a time. `make(i)` gives message i.
 */
export async function enqueueMessages(
  aviso: BenchAviso,
  count: number,
  make: (i: number) => MessageInput,
  parallel = 2,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const from = next;
      next = Math.min(count, next + storeChunk);
      const inputs: MessageInput[] = [];
      for (let i = from; i < next; i++) inputs.push(make(i));
      const results = await acceptMessages(aviso.services.aviso.db, aviso.config, aviso.projectId, inputs);
      const refused = results.find((r) => 'code' in r);
      if (refused) throw new Error(`a bench message was refused: ${JSON.stringify(refused)}`);
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
}

/** POST with the bench key; returns status and parsed JSON body. */
export async function postJson(
  aviso: Pick<BenchAviso, 'url' | 'key'>,
  path: string,
  body: string,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${aviso.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${aviso.key}`, 'content-type': 'application/json' },
    body,
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {}
  return { status: response.status, body: parsed };
}

/** Delivery jobs not finished yet (waiting, claimed or being retried). */
export async function waitingJobs(aviso: BenchAviso): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM delivery_jobs`.execute(
    aviso.services.aviso.db,
  );
  return rows[0]?.n ?? 0;
}

/** Messages of the bench project in one status (or any of several). */
export async function countByStatus(aviso: BenchAviso, status: string | string[]): Promise<number> {
  const statuses = typeof status === 'string' ? [status] : status;
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM messages
    WHERE project_id = ${aviso.projectId} AND status = ANY(${statuses}::text[])
  `.execute(aviso.services.aviso.db);
  return rows[0]?.n ?? 0;
}

/** All stored messages of the bench project, whatever their status. */
export async function storedMessages(aviso: BenchAviso): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM messages WHERE project_id = ${aviso.projectId}
  `.execute(aviso.services.aviso.db);
  return rows[0]?.n ?? 0;
}
