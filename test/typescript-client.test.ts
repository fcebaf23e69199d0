// The TypeScript client (clients/typescript): its committed document and types are what the
// routes give today, its example compiles under strict tsc, and it works against a server.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendExample } from '../clients/typescript/examples/send.ts';
import { generatedClient } from '../clients/typescript/scripts/generate.ts';
import { createAvisoClient } from '../clients/typescript/src/index.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';

const clientDir = join(import.meta.dirname, '../clients/typescript');

describe('the TypeScript client', () => {
  it('is generated from the routes as they are (run `npm run client:generate` after a change)', async () => {
    const files = await generatedClient();
    for (const [file, text] of Object.entries(files)) {
      expect(readFileSync(join(clientDir, file), 'utf8'), `clients/typescript/${file}`).toBe(text);
    }
  });

  it('compiles, with its example, under strict tsc', async () => {
    const tsc = join(import.meta.dirname, '../node_modules/typescript/bin/tsc');
    const run = promisify(execFile)(process.execPath, [tsc, '-p', join(clientDir, 'tsconfig.json')]);
    await expect(run).resolves.toBeDefined();
  }, 120_000);

  describe('against a server', () => {
    let aviso: TestAviso;
    beforeAll(async () => {
      aviso = await startTestAviso();
    });
    afterAll(async () => {
      await aviso.stop();
    });

    it('runs the example: send, read back, list, and typed 404 and 422 answers', async () => {
      const client = createAvisoClient({ baseUrl: aviso.url, apiKey: aviso.key });
      const result = await sendExample(client, 'ana@example.com');
      expect(result.accepted).toMatchObject({ status: 'queued', channel: 'email', to: 'ana@example.com' });
      expect(result.message).toMatchObject({ id: result.accepted.id, priority: 'normal', tags: ['example'] });
      expect(result.listed).toContain(result.accepted.id);
      expect(result.notFound).toBe('not_found');
      expect(result.invalid).toMatchObject({ code: 'invalid_address', paths: ['to'] });
    });

    it('sends the API key with every request', async () => {
      const client = createAvisoClient({ baseUrl: aviso.url, apiKey: 'not-a-key' });
      const { error, response } = await client.GET('/v1/project');
      expect(response.status).toBe(401);
      expect(error?.error.code).toBe('unauthorized');
    });
  });
});
