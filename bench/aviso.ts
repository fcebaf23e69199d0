// Starts Aviso the way `aviso api` / `aviso worker` do (startServices with a config from
// loadConfig), on a bench database, and stores messages through the same accept path as the
// API (acceptMessages: prepare, then one storeMessages statement per 500).
import { type Kysely, sql } from 'kysely';
import { type RunningServices, startServices } from '../src/app/index.ts';
import { type Config, loadConfig } from '../src/config/index.ts';
import type { Database } from '../src/db/index.ts';
import { createLogger } from '../src/log.ts';
import { acceptMessages, type MessageInput, messageInputSchema } from '../src/messages/index.ts';
import { createApiKey } from '../src/projects/index.ts';
import { benchSender } from './content.ts';
import type { BenchOptions } from './options.ts';
import { type AvisoProcess, spawnAviso } from './processes.ts';

/** A bench database seen from the bench process: to enqueue messages and count them. */
export interface BenchStore {
  db: Kysely<Database>;
  config: Config;
  projectId: string;
}

export interface BenchAviso {
  services: RunningServices;
  config: Config;
  projectId: string;
  store: BenchStore;
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
  const store = { db: services.aviso.db, config, projectId };
  return { services, config, projectId, store, url: services.url ?? '', key };
}

function benchConfig(options: BenchOptions, databaseUrl: string): Config {
  return loadConfig(
    { DATABASE_URL: databaseUrl, AVISO_FROM: benchSender, AVISO_LOG_LEVEL: options.logLevel },
    null,
  );
}

/** Opens a bench database (migrated, default project present) without serving anything. */
export async function openBenchStore(
  options: BenchOptions,
  databaseUrl: string,
): Promise<BenchStore & { close(): Promise<void> }> {
  const config = benchConfig(options, databaseUrl);
  const { openAviso } = await import('../src/app/open.ts');
  const aviso = await openAviso(config, { poolSize: 4 });
  return { db: aviso.db, config, projectId: aviso.defaultProject.id, close: () => aviso.close() };
}

/** A new API key of the store's project. */
async function benchKey(store: BenchStore): Promise<string> {
  return (await createApiKey(store.db, store.projectId, 'bench')).key;
}

/** `aviso api` as its own process on a migrated bench database, with a key of its project. */
export async function spawnApi(
  options: BenchOptions,
  store: BenchStore,
  databaseUrl: string,
  env: Record<string, string> = {},
): Promise<AvisoProcess & { key: string }> {
  const api = await spawnAviso(options, databaseUrl, 'api', env);
  try {
    return Object.assign(api, { key: await benchKey(store) });
  } catch (err) {
    await api.stop();
    throw err;
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
  store: BenchStore,
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
      const results = await acceptMessages(store.db, store.config, store.projectId, inputs);
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
export async function waitingJobs(store: BenchStore): Promise<number> {
  const { rows } = await sql<{ n: number }>`SELECT count(*)::int AS n FROM delivery_jobs`.execute(store.db);
  return rows[0]?.n ?? 0;
}

/** Messages of the bench project in one status (or any of several). */
export async function countByStatus(store: BenchStore, status: string | string[]): Promise<number> {
  const statuses = typeof status === 'string' ? [status] : status;
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM messages
    WHERE project_id = ${store.projectId} AND status = ANY(${statuses}::text[])
  `.execute(store.db);
  return rows[0]?.n ?? 0;
}

/** All stored messages of the bench project, whatever their status. */
export async function storedMessages(store: BenchStore): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM messages WHERE project_id = ${store.projectId}
  `.execute(store.db);
  return rows[0]?.n ?? 0;
}
