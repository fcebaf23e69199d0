// Canceling a message that has not been sent yet. Locks are taken job first, message second,
// the same order the worker uses when it records an outcome, so the two never deadlock.
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { ApiError } from '../errors/index.ts';
import { transition } from './lifecycle.ts';

export async function cancelMessage(
  db: Kysely<Database>,
  projectId: string,
  id: string,
): Promise<{ id: string; status: 'canceled' }> {
  return db.transaction().execute(async (trx) => {
    // A job locked by a worker is being sent right now: too late to cancel.
    const job = await trx
      .deleteFrom('delivery_jobs')
      .where('message_id', '=', id)
      .where('project_id', '=', projectId)
      .where('locked_by', 'is', null)
      .returning('id')
      .executeTakeFirst();
    const message = await trx
      .selectFrom('messages')
      .select('status')
      .where('id', '=', id)
      .where('project_id', '=', projectId)
      .forUpdate()
      .executeTakeFirst();
    if (!message) throw new ApiError('not_found', 'No message with this id.', 'id');
    const current = message.status;
    const waiting = transition(current, { source: 'cancel' }).record;
    if (!job || !waiting) {
      const state = waiting ? 'being sent' : message.status;
      throw new ApiError(
        'message_not_cancelable',
        `The message is ${state}; only scheduled or waiting messages can be canceled.`,
      );
    }
    await trx
      .updateTable('messages')
      .set({ status: 'canceled', updated_at: new Date() })
      .where('id', '=', id)
      .execute();
    await trx
      .insertInto('message_events')
      .values({ message_id: id, project_id: projectId, type: 'canceled', details: {} })
      .execute();
    return { id, status: 'canceled' as const };
  });
}
