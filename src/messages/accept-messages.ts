// Accepting messages: each validated input is prepared on its own (templates loaded once for
// all), and the good ones are stored together in one statement. Used by the API (single and
// batch) and by `aviso send`.
import type { Kysely } from 'kysely';
import type { Config } from '../config/index.ts';
import type { Database } from '../db/index.ts';
import { ApiError, type ErrorAnswer } from '../errors/index.ts';
import type { SuppressionReason } from '../suppressions/index.ts';
import { loadPublished } from '../templates/index.ts';
import { loadChannelContext } from './channel-context.ts';
import { acceptedStatus } from './lifecycle.ts';
import type { MessageInput } from './message-input.ts';
import { type PreparedMessage, prepareMessage } from './prepare-message.ts';
import { type Suppressed, storeMessages } from './store-messages.ts';

/** Writes a request's prepared messages durably (one statement, all or nothing). */
export type StoreMessages = (
  projectId: string,
  messages: PreparedMessage[],
) => Promise<Map<string, Suppressed>>;

/**
 * Returns, in input order, each stored message or the error that kept it out. Templates are
 * read with `executor`; `store` writes (default: one statement on `executor`).
 */
export async function acceptMessages(
  executor: Kysely<Database>,
  config: Pick<Config, 'from' | 'maxAttachmentBytes'>,
  projectId: string,
  inputs: (MessageInput | ErrorAnswer)[],
  store: StoreMessages = (project, messages) => storeMessages(executor, project, messages),
): Promise<(PreparedMessage | ErrorAnswer)[]> {
  const refs = inputs.flatMap((i) => ('template' in i && i.template ? [{ key: i.template }] : []));
  const numbers = inputs.flatMap((i) => ('to' in i && i.to.kind === 'phone' ? [i.to.number] : []));
  const [templates, channels] = await Promise.all([
    loadPublished(executor, projectId, refs),
    loadChannelContext(executor, projectId, numbers),
  ]);
  const ctx = { config, templates, channels, now: new Date() };
  const results = await Promise.all(
    inputs.map(async (input) => {
      if ('code' in input) return input;
      try {
        return await prepareMessage(input, ctx);
      } catch (err) {
        if (err instanceof ApiError) return err.toBody().error;
        throw err;
      }
    }),
  );
  const suppressed = await store(projectId, results.filter(isPrepared));
  for (const m of results) {
    const found = isPrepared(m) ? suppressed.get(m.id) : undefined;
    if (found && isPrepared(m)) {
      m.status = acceptedStatus(m.status === 'scheduled', true);
      m.suppression = {
        reason: found.reason as SuppressionReason,
        since: new Date(found.since).toISOString(),
      };
    }
  }
  return results;
}

export function isPrepared(m: PreparedMessage | ErrorAnswer): m is PreparedMessage {
  return 'id' in m;
}
