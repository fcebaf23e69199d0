// What Meta's webhook tells Aviso: the subscription handshake, the X-Hub-Signature-256 check
// on the raw bytes, and the statuses and inbound messages of a notification. Pure: the HTTP
// route lives in api/. The parser never throws on a JSON object; it takes what it recognizes.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { type ProviderReceipt, sameSignature } from '../index.ts';
import { isPermanentCode } from './graph-errors.ts';

/**
 * True when `header` is `sha256=<hex HMAC-SHA256(appSecret, rawBody)>`. Check the bytes as
 * received: Meta signs its own serialization (with \uXXXX escapes), not a re-encoded one.
 */
export function verifyHubSignature(appSecret: string, rawBody: Buffer, header: string | undefined): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!match?.[1]) return false;
  const expected = createHmac('sha256', appSecret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1], 'hex'));
}

/** A query value as a string: the first one when repeated. */
function queryValue(query: Record<string, unknown>, name: string): string | undefined {
  // Flat parsers give "hub.mode"; qs-style parsers nest it as { hub: { mode } }.
  const [group, field] = name.split('.') as [string, string];
  const nested = query[group];
  const value =
    query[name] ??
    (typeof nested === 'object' && nested !== null ? (nested as Record<string, unknown>)[field] : undefined);
  const first = Array.isArray(value) ? value[0] : value;
  return typeof first === 'string' ? first : undefined;
}

/**
 * The subscription handshake: `hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
 * Answers the challenge to echo (with 200), or null when the token does not match (403).
 */
export function answerVerification(query: Record<string, unknown>, verifyToken: string): string | null {
  const mode = queryValue(query, 'hub.mode');
  const token = queryValue(query, 'hub.verify_token');
  const challenge = queryValue(query, 'hub.challenge');
  if (mode !== 'subscribe' || token === undefined || challenge === undefined) return null;
  return sameSignature(verifyToken, token) ? challenge : null;
}

interface InboundWhatsApp {
  /** The business number that received it. */
  phoneNumberId: string;
  /** The user, E.164 with "+". */
  from: string;
  at: Date;
  /** The text of a text message or of a tapped quick-reply button; null for media and the rest. */
  text: string | null;
  /** The wamid of the user's message. */
  id: string;
}

export interface WebhookNotification {
  receipts: ProviderReceipt[];
  inbound: InboundWhatsApp[];
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: unknown): Json[] => (Array.isArray(v) ? v.filter(isObject) : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Webhook timestamps are Unix seconds as a string; the receive time when absent or odd. */
function timeOf(timestamp: unknown, receivedAt: Date): Date {
  const seconds = typeof timestamp === 'number' ? timestamp : Number(text(timestamp) ?? Number.NaN);
  return Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : receivedAt;
}

const receiptStatuses = new Set<string>(['sent', 'delivered', 'read', 'failed']);

function receiptOf(status: Json, receivedAt: Date): ProviderReceipt | null {
  const id = text(status.id);
  const word = text(status.status);
  if (!id || !word || !receiptStatuses.has(word)) return null;
  const receipt: ProviderReceipt = {
    providerMessageId: id,
    status: word as ProviderReceipt['status'],
    at: timeOf(status.timestamp, receivedAt),
    providerStatus: word,
  };
  if (word === 'failed') {
    const [error] = objects(status.errors);
    const code = typeof error?.code === 'number' ? error.code : Number(text(error?.code) ?? Number.NaN);
    if (Number.isInteger(code)) {
      receipt.errorCode = String(code);
      receipt.permanent = isPermanentCode(code);
    }
    const details = isObject(error?.error_data) ? text(error.error_data.details) : undefined;
    const errorText = text(error?.title) ?? text(error?.message) ?? details;
    if (errorText)
      receipt.errorText = details && details !== errorText ? `${errorText}: ${details}` : errorText;
  }
  return receipt;
}

function inboundOf(message: Json, phoneNumberId: string, receivedAt: Date): InboundWhatsApp | null {
  const id = text(message.id);
  const from = text(message.from);
  if (!id || !from || !/^\+?\d{5,20}$/.test(from)) return null;
  // A text message, or a tap on a quick-reply button (Meta's "Stop promotions" is one).
  const body =
    message.type === 'text' && isObject(message.text)
      ? text(message.text.body)
      : message.type === 'button' && isObject(message.button)
        ? text(message.button.text)
        : undefined;
  return {
    phoneNumberId,
    from: from.startsWith('+') ? from : `+${from}`,
    at: timeOf(message.timestamp, receivedAt),
    text: body ?? null,
    id,
  };
}

/**
 * Reads a notification: `entry[].changes[].value` with `field: "messages"`. Statuses other
 * than sent/delivered/read/failed, other fields and unknown members are skipped. Statuses may
 * repeat or come out of order; they are passed on as they are (receipts.ts sorts that out).
 */
export function parseWebhook(body: unknown, receivedAt: Date = new Date()): WebhookNotification {
  const out: WebhookNotification = { receipts: [], inbound: [] };
  if (!isObject(body)) return out;
  for (const entry of objects(body.entry)) {
    for (const change of objects(entry.changes)) {
      if (change.field !== undefined && change.field !== 'messages') continue;
      const value = change.value;
      if (!isObject(value)) continue;
      const phoneNumberId = (isObject(value.metadata) && text(value.metadata.phone_number_id)) || '';
      for (const status of objects(value.statuses)) {
        const receipt = receiptOf(status, receivedAt);
        if (receipt) out.receipts.push(receipt);
      }
      for (const message of objects(value.messages)) {
        const inbound = inboundOf(message, phoneNumberId, receivedAt);
        if (inbound) out.inbound.push(inbound);
      }
    }
  }
  return out;
}

/**
 * Opt-out words, compared after folding case and accents and dropping punctuation, against
 * the whole message: "Stop!" and "ARRÊT" opt out, "please don't stop" does not.
 */
const stopWords = new Set([
  // English (the carriers' usual list)
  'stop',
  'stop all',
  'stopall',
  'stop promotions',
  'unsubscribe',
  'cancel',
  'end',
  'quit',
  'opt out',
  'optout',
  // Spanish
  'baja',
  'darme de baja',
  'dar de baja',
  'cancelar',
  'parar',
  'alto',
  // Portuguese
  'sair',
  'descadastrar',
  // French
  'arret',
  'arreter',
  'desabonner',
  'desinscrire',
  // German
  'stopp',
  'abmelden',
  'abbestellen',
  // Italian
  'basta',
  'disiscrivimi',
]);

/** True when the whole message is an opt-out word such as STOP, BAJA or ARRÊT. */
export function isStopReply(message: string): boolean {
  const folded = message
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
  return stopWords.has(folded);
}
