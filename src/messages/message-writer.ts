// Writes accepted messages, coalescing the requests that arrive while earlier writes are in
// flight into the next statement (group commit): under load many requests share one commit
// and one round trip; a lone request is written at once, with nothing added to its latency.
// A caller's promise resolves only when the statement holding its messages has committed, so
// the API still answers 202 only after its message is durable.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import type { PreparedMessage } from './prepare-message.ts';
import { type MessageGroup, type Suppressed, storeMessageGroups } from './store-messages.ts';

interface Waiting {
  group: MessageGroup;
  resolve: (suppressed: Map<string, Suppressed>) => void;
  reject: (err: unknown) => void;
}

export class MessageWriter {
  private readonly queue: Waiting[] = [];
  private writers = 0;

  /**
   * @param maxWriters statements in flight at once (PostgreSQL works on several in parallel)
   * @param maxMessages messages per statement; a request's messages are never split
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly maxWriters = 4,
    private readonly maxMessages = 1000,
  ) {}

  /** Resolves once committed, with the messages found suppressed (by id). */
  store(projectId: string, messages: PreparedMessage[]): Promise<Map<string, Suppressed>> {
    if (messages.length === 0) return Promise.resolve(new Map());
    return new Promise((resolve, reject) => {
      this.queue.push({ group: { projectId, messages }, resolve, reject });
      if (this.writers < this.maxWriters) void this.write();
    });
  }

  private async write(): Promise<void> {
    this.writers++;
    try {
      while (this.queue.length > 0) {
        const batch = this.take();
        try {
          // Ids are unique across the batch: every request can read its own in the one map.
          const suppressed = await storeMessageGroups(
            this.db,
            batch.map((w) => w.group),
          );
          for (const w of batch) w.resolve(suppressed);
        } catch (err) {
          if (batch.length === 1) (batch[0] as Waiting).reject(err);
          // One request's failure must not fail the others it was grouped with.
          else for (const w of batch) await storeMessageGroups(this.db, [w.group]).then(w.resolve, w.reject);
        }
      }
    } finally {
      this.writers--;
    }
  }

  private take(): Waiting[] {
    const batch = [this.queue.shift() as Waiting];
    let count = batch[0]?.group.messages.length ?? 0;
    while (
      this.queue.length > 0 &&
      count + (this.queue[0] as Waiting).group.messages.length <= this.maxMessages
    ) {
      const next = this.queue.shift() as Waiting;
      count += next.group.messages.length;
      batch.push(next);
    }
    return batch;
  }
}
