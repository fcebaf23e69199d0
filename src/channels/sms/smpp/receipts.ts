// Delivery receipts from an SMSC: the deliver_sm that carries one (SMPP 3.4 §4.6.1, the
// receipt text of Appendix B and the §5.3.2 TLVs) read as ProviderReceipts, and the forms a
// receipt's id may take. A deliver_sm is answered as taken only once the sink has taken it.
import type { DecodedMessage, PDU, Session } from 'smpp';
import type { ProviderReceipt, ReceiptSink } from '../../index.ts';
import type { SmppLog } from './session.ts';
import { receiptDate } from './time.ts';

/** The fields of a delivery receipt's text (SMPP 3.4 Appendix B); null when the text has no id. */
export interface DeliveryReceiptText {
  id: string;
  sub: string | null;
  dlvrd: string | null;
  submitDate: Date | null;
  doneDate: Date | null;
  /** Upper case: DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD, ENROUTE. */
  stat: string | null;
  err: string | null;
  text: string | null;
}

/**
 * Reads `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`. Keys are matched
 * without regard to case and in any order; `text:` comes last and may hold anything, so the
 * fields are looked for only before it.
 */
export function parseDeliveryReceipt(text: string): DeliveryReceiptText | null {
  const textStart = text.search(/(?:^|\s)text:/i);
  const head = textStart >= 0 ? text.slice(0, textStart) : text;
  const field = (key: string) => new RegExp(`(?:^|\\s)${key}:(\\S*)`, 'i').exec(head)?.[1] || null;
  const id = field('id');
  if (!id) return null;
  return {
    id,
    sub: field('sub'),
    dlvrd: field('dlvrd'),
    submitDate: receiptDate(field('submit[ _]date')),
    doneDate: receiptDate(field('done[ _]date')),
    stat: field('stat')?.toUpperCase() ?? null,
    err: field('err'),
    text: textStart >= 0 ? text.slice(textStart).replace(/^\s*text:/i, '') : null,
  };
}

const receiptOutcomes: Record<string, Pick<ProviderReceipt, 'status' | 'permanent'>> = {
  DELIVRD: { status: 'delivered' },
  EXPIRED: { status: 'expired' },
  UNDELIV: { status: 'failed', permanent: true },
  REJECTD: { status: 'failed', permanent: true },
  DELETED: { status: 'failed', permanent: false },
};

/** Not final yet: such receipts change nothing. */
const pendingStats = new Set(['ACCEPTD', 'ENROUTE', 'UNKNOWN', 'SCHEDULED']);

/** message_state TLV values (SMPP 3.4 §5.2.28) as the stat words of the receipt text. */
const messageStates: Record<number, string> = {
  0: 'SCHEDULED',
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

/** The ProviderReceipt for a final stat; null for pending and unknown stat words. */
export function toProviderReceipt(
  receipt: { id: string; stat: string; err: string | null; doneDate: Date | null },
  receivedAt: Date,
): ProviderReceipt | null {
  const stat = receipt.stat.toUpperCase();
  const outcome = receiptOutcomes[stat];
  if (!outcome) return null;
  return {
    providerMessageId: receipt.id,
    ...outcome,
    at: receipt.doneDate ?? receivedAt,
    providerStatus: stat,
    ...(receipt.err ? { errorCode: receipt.err } : {}),
  };
}

/**
 * The ids a receipt's id may have been given as at submit time, the id itself first: SMSCs
 * answer submit_sm in decimal and write receipts in hex, or the reverse. Digits only: the id is
 * read as decimal and its hex forms follow, lower and upper case, bare and zero-padded to 8
 * digits (32-bit ids are often printed at that width), then its decimal form without leading
 * zeros. Hex with a letter: its decimal form follows. Anything else: the id alone. Forms can
 * name another message ("16" is hex "10"): prefer a match on an earlier form.
 */
export function receiptIdForms(id: string): string[] {
  const forms = [id];
  if (/^\d+$/.test(id)) {
    const value = BigInt(id);
    const hex = value.toString(16);
    forms.push(
      hex,
      hex.toUpperCase(),
      hex.padStart(8, '0'),
      hex.toUpperCase().padStart(8, '0'),
      value.toString(),
    );
  } else if (/^[0-9a-f]+$/i.test(id)) {
    forms.push(BigInt(`0x${id}`).toString());
  }
  return [...new Set(forms)];
}

function decodedText(message: DecodedMessage | undefined): string {
  if (!message) return '';
  return typeof message.message === 'string' ? message.message : message.message.toString('latin1');
}

/**
 * Every deliver_sm is answered, a receipt once the sink has taken it (stored durably): one
 * the sink did not take asks the SMSC to send it again.
 */
export async function answerDeliverSm(
  session: Session,
  pdu: PDU,
  sink: ReceiptSink,
  log: SmppLog,
): Promise<void> {
  let status = 0;
  try {
    // §5.2.12: esm_class bits 2-5 give the message type; 0x04 is an SMSC delivery receipt.
    if ((pdu.esm_class ?? 0) & 0x04) await takeReceipt(pdu, sink, log);
    else
      log.info(
        { provider: 'smpp', from: pdu.source_addr, to: pdu.destination_addr },
        'SMPP inbound SMS ignored',
      );
  } catch (error) {
    status = 0x64; // ESME_RX_T_APPN: a temporary error on our side, the SMSC retries.
    log.error({ provider: 'smpp', err: error }, 'SMPP receipt not taken; the SMSC will send it again');
  }
  try {
    session.send(pdu.response({ command_status: status }));
  } catch (error) {
    // The session ended while the receipt was being stored: the SMSC sends it again.
    log.warn({ provider: 'smpp', err: error }, 'SMPP receipt answer not sent; session gone');
  }
}

async function takeReceipt(pdu: PDU, sink: ReceiptSink, log: SmppLog): Promise<void> {
  const text = decodedText(pdu.short_message) || decodedText(pdu.message_payload);
  const parsed = text ? parseDeliveryReceipt(text) : null;
  // The TLVs are the spec's own fields; the text's format is only customary.
  const id = pdu.receipted_message_id || parsed?.id;
  const stat =
    (pdu.message_state === undefined ? undefined : messageStates[pdu.message_state]) ?? parsed?.stat;
  if (!id || !stat) {
    log.warn({ provider: 'smpp' }, 'SMPP receipt without a message id or a stat; ignored');
    return;
  }
  const receipt = toProviderReceipt(
    { id, stat, err: parsed?.err ?? null, doneDate: parsed?.doneDate ?? null },
    new Date(),
  );
  if (receipt) await sink([receipt]);
  else if (!pendingStats.has(stat))
    log.warn({ provider: 'smpp', providerMessageId: id, stat }, 'SMPP receipt with an unknown stat; ignored');
}
