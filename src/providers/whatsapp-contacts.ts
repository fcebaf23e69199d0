// What WhatsApp users' own messages tell Aviso: the time of their last message opens the
// 24-hour window for free-form text, and a STOP-like reply opts them out of promotional
// messages (until they write again).
import { type Kysely, sql } from 'kysely';
import { isStopReply } from '../channels/whatsapp/index.ts';
import type { Database } from '../db/index.ts';

export interface InboundMessage {
  /** E.164. */
  from: string;
  at: Date;
  text: string | null;
}

export async function recordInbound(
  db: Kysely<Database>,
  projectId: string,
  inbound: InboundMessage[],
): Promise<void> {
  for (const m of inbound) {
    const stop = m.text !== null && isStopReply(m.text);
    await db
      .insertInto('whatsapp_contacts')
      .values({
        project_id: projectId,
        phone: m.from,
        last_inbound_at: m.at,
        opted_out_at: stop ? m.at : null,
      })
      .onConflict((oc) =>
        oc.columns(['project_id', 'phone']).doUpdateSet({
          last_inbound_at: sql`greatest(whatsapp_contacts.last_inbound_at, excluded.last_inbound_at)`,
          opted_out_at: stop ? sql`excluded.opted_out_at` : null,
        }),
      )
      .execute();
  }
}
