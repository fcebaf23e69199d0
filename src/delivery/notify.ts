// Tells workers that new jobs wait, after the accepting transaction has committed (NOTIFY
// inside the hot transaction would serialise commits on PostgreSQL's notify queue lock).
// High priority wakes workers at once; other notifications are coalesced to one per window.
import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/index.ts';
import type { Logger } from '../log.ts';
import { priorities } from '../messages/index.ts';
import { channelFor } from './queue.ts';

export function jobNotifier(db: Kysely<Database>, log: Logger, windowMs = 20) {
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const send = (channel: string) =>
    sql`SELECT pg_notify(${channel}, '')`
      .execute(db)
      .catch((err) => log.warn({ err }, 'job notification failed'));
  const sendAny = () => {
    timer = undefined;
    last = Date.now();
    void send(channelFor.any);
  };
  return (priority: number) => {
    if (priority === priorities.high) {
      void send(channelFor.high);
      return;
    }
    if (timer) return;
    const wait = last + windowMs - Date.now();
    if (wait <= 0) sendAny();
    else timer = setTimeout(sendAny, wait);
  };
}
