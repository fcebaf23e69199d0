// The group-commit writer against a real database: concurrent requests share statements, all
// are stored, and one failing request does not take the requests grouped with it down.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../src/db/database.ts';
import { noChannelContext } from '../src/messages/channel-context.ts';
import { messageInputSchema } from '../src/messages/message-input.ts';
import { MessageWriter } from '../src/messages/message-writer.ts';
import { type PreparedMessage, prepareMessage } from '../src/messages/prepare-message.ts';
import { ensureDefaultProject } from '../src/projects/projects.ts';
import { loadPublished } from '../src/templates/published.ts';
import { createTestDatabase, type TestDatabase } from './helpers/database.ts';

let database: TestDatabase;
let projectId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  projectId = (await ensureDefaultProject(database.db)).id;
});

afterAll(async () => {
  await database?.drop();
});

const prepare = async (to: string): Promise<PreparedMessage> =>
  prepareMessage(messageInputSchema.parse({ to, from: 'w@example.com', subject: 's', text: 't' }), {
    config: { from: undefined, maxAttachmentBytes: 1000 },
    templates: await loadPublished(database.db, projectId, []),
    channels: noChannelContext,
    now: new Date(),
  });

const count = async (table: 'messages' | 'delivery_jobs' | 'message_events') =>
  (await sql<{ n: number }>`SELECT count(*)::int AS n FROM ${sql.table(table)}`.execute(database.db)).rows[0]
    ?.n;

describe('MessageWriter', () => {
  it('stores every concurrent request, grouping them into fewer statements', async () => {
    await sql`TRUNCATE messages CASCADE`.execute(database.db);
    const writer = new MessageWriter(database.db, 1);
    const messages = await Promise.all(Array.from({ length: 60 }, (_, i) => prepare(`w${i}@example.com`)));
    await Promise.all(messages.map((m) => writer.store(projectId, [m])));
    expect(await count('messages')).toBe(60);
    expect(await count('delivery_jobs')).toBe(60);
    expect(await count('message_events')).toBe(60);
    // With one writer, the first request goes alone and the other 59 wait for one statement.
    const commits = await sql<{ n: number }>`
      SELECT count(DISTINCT xmin::text)::int AS n FROM messages`.execute(database.db);
    expect(commits.rows[0]?.n).toBe(2);
  });

  it('fails only the request that fails when requests share a statement', async () => {
    await sql`TRUNCATE messages CASCADE`.execute(database.db);
    const writer = new MessageWriter(database.db, 1);
    const first = await prepare('first@example.com');
    const good = await Promise.all([prepare('a@example.com'), prepare('b@example.com')]);
    // The same message twice in one request: its primary key fails the statement.
    const bad = await prepare('dup@example.com');
    const results = await Promise.allSettled([
      writer.store(projectId, [first]),
      writer.store(projectId, [good[0] as PreparedMessage]),
      writer.store(projectId, [bad, bad]),
      writer.store(projectId, [good[1] as PreparedMessage]),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    const rows = await database.db
      .selectFrom('messages')
      .select('to_address')
      .orderBy('to_address')
      .execute();
    expect(rows.map((r) => r.to_address)).toEqual(['a@example.com', 'b@example.com', 'first@example.com']);
  });

  it('sends the accept statement as a prepared statement, planned once per connection', async () => {
    const { db } = connect(database.url, { poolSize: 1 });
    try {
      const writer = new MessageWriter(db, 1);
      for (const to of ['p1@example.com', 'p2@example.com', 'p3@example.com'])
        await writer.store(projectId, [await prepare(to)]);
      const prepared = await sql<{ name: string; calls: number }>`
        SELECT name, (generic_plans + custom_plans)::int AS calls FROM pg_prepared_statements`.execute(db);
      expect(prepared.rows).toEqual([{ name: 'aviso_accept', calls: 3 }]);
    } finally {
      await db.destroy();
    }
  });
});
