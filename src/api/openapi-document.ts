// The OpenAPI document without a server or a database: the app is built in-process, on a
// database driver that never connects, and asked for it. For `npm run openapi`, the client
// generator (clients/typescript) and the tests that lint the document.

import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import type { OpenAPIV3_1 } from 'openapi-types';
import { loadConfig } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { createLogger } from '../log.ts';
import { generateMasterKey, Secrets } from '../secrets/index.ts';
import { buildApi } from './app.ts';

/** The document as a server with the default settings serves it at /openapi.json. */
export async function openApiDocument(): Promise<OpenAPIV3_1.Document> {
  // Defaults only: the document must not depend on who generates it.
  const config = loadConfig({}, null);
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  const app = await buildApi({
    db,
    config,
    log: createLogger('silent'),
    // A throwaway key: the document shows no secret, and nothing is sealed or opened.
    secrets: new Secrets({ keys: [generateMasterKey()] }, { kind: 'setting' }),
    notify: () => {},
    publicUrl: () => config.publicUrl ?? `http://${config.host}:${config.port}`,
  });
  try {
    await app.ready();
    return app.swagger() as OpenAPIV3_1.Document;
  } finally {
    await app.close();
  }
}
