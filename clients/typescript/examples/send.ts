// Sends an email with the typed client, reads it back, lists the latest messages, and shows
// the typed error answers (404, 422). Run it against a server:
//   AVISO_URL=http://127.0.0.1:8080 AVISO_API_KEY=… npx tsx clients/typescript/examples/send.ts
import { type AvisoClient, type AvisoError, createAvisoClient, type Schemas } from '../src/index.ts';

export interface ExampleResult {
  accepted: Schemas['Accepted'];
  message: Schemas['MessageWithEvents'];
  listed: string[];
  notFound: AvisoError['error']['code'];
  invalid: { code: AvisoError['error']['code']; paths: string[] };
}

export async function sendExample(client: AvisoClient, to: string): Promise<ExampleResult> {
  // Only what the message needs: priority, stream, tracking and the rest have defaults.
  const sent = await client.POST('/v1/messages', {
    body: { to, subject: 'Your order has shipped', text: 'It arrives on Thursday.', tags: ['example'] },
  });
  if (sent.error) throw new Error(`not accepted: ${sent.error.error.code}`);
  const accepted = sent.data;

  const read = await client.GET('/v1/messages/{id}', { params: { path: { id: accepted.id } } });
  if (read.error) throw new Error(`not found: ${read.error.error.message}`);

  const list = await client.GET('/v1/messages', { params: { query: { tag: 'example', limit: 10 } } });
  if (list.error) throw new Error(`cannot list: ${list.error.error.message}`);

  // Errors are typed too: `error` is the Error schema for every documented error status.
  const missing = await client.GET('/v1/messages/{id}', {
    params: { path: { id: 'msg_00000000000000000000000000' } },
  });
  if (!missing.error || missing.response.status !== 404) throw new Error('expected a 404');

  const refused = await client.POST('/v1/messages', {
    body: { to: 'not an address', subject: 'x', text: 'x' },
  });
  if (!refused.error || refused.response.status !== 422) throw new Error('expected a 422');
  const problems = refused.error.error.details ?? [refused.error.error];

  return {
    accepted,
    message: read.data,
    listed: list.data.data.map((m) => m.id),
    notFound: missing.error.error.code,
    invalid: { code: refused.error.error.code, paths: problems.map((p) => p.path ?? '') },
  };
}

if (process.argv[1] === import.meta.filename) {
  const client = createAvisoClient({
    baseUrl: process.env.AVISO_URL ?? 'http://127.0.0.1:8080',
    apiKey: process.env.AVISO_API_KEY ?? '',
  });
  console.log(JSON.stringify(await sendExample(client, process.env.AVISO_TO ?? 'ana@example.com'), null, 2));
}
