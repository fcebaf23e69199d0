// SIGTERM to a worker process: it stops taking jobs, lets the send in flight finish and
// records it before exiting. Uses a real `aviso worker` process and a slow SMTP server.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { acceptMessages } from '../src/messages/accept-messages.ts';
import { messageInputSchema } from '../src/messages/message-input.ts';
import { ensureDefaultProject } from '../src/projects/projects.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

let database: TestDatabase;
let server: SMTPServer;
let port = 0;
let child: ChildProcess | undefined;
const dataStarted: string[] = [];
const delivered: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const to = session.envelope.rcptTo[0]?.address ?? '';
      dataStarted.push(to);
      stream.resume();
      // A slow server: the answer comes 1.5 s after the data.
      stream.on('end', () =>
        setTimeout(() => {
          delivered.push(to);
          callback(null, 'Ok: queued as SLOW');
        }, 1500),
      );
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
});

afterAll(async () => {
  child?.kill('SIGKILL');
  await new Promise<void>((resolve) => server?.close(() => resolve()));
  await database?.drop();
});

it('finishes and records the in-flight send on SIGTERM, then exits 0', async () => {
  const project = await ensureDefaultProject(database.db);
  const [message] = await acceptMessages(
    database.db,
    { from: 'shop@example.com', maxAttachmentBytes: 1000 },
    project.id,
    [messageInputSchema.parse({ to: 'slow@example.com', subject: 'Slow', text: 'x' })],
  );
  const id = message && 'id' in message ? message.id : '';
  child = spawn(process.execPath, ['bin/aviso.js', 'worker'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      AVISO_SMTP_URL: `smtp://127.0.0.1:${port}`,
      AVISO_LOG_LEVEL: 'warn',
      AVISO_WORKER_POLL_MS: '50',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c) => {
    output += c;
  });
  child.stderr?.on('data', (c) => {
    output += c;
  });
  const deadline = Date.now() + 20_000;
  while (dataStarted.length === 0) {
    if (Date.now() > deadline) throw new Error(`the worker never sent: ${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(delivered).toHaveLength(0);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  expect(code).toBe(0);
  expect(delivered).toEqual(['slow@example.com']);
  const row = await database.db
    .selectFrom('messages')
    .select('status')
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  expect(row.status).toBe('sent');
  const jobs = await database.db.selectFrom('delivery_jobs').selectAll().execute();
  expect(jobs).toHaveLength(0);
});
