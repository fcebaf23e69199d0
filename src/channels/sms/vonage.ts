// Vonage (Nexmo) SMS API: sending through /sms/json, reading delivery receipts and checking their
// signature. Vonage answers 200 even when it refuses, with a status per segment: that status,
// not the HTTP one, decides between retry, provider down and a final refusal. It never reads a
// receipt it has not verified, and never retries on its own.
import { createHash, createHmac } from 'node:crypto';
import { type DestinationPolicy, foreignSnippet, foreignString, snippetChars } from '../../net/index.ts';
import { parseJsonObject, requestWithDeadline, retryAfterMs, sameSignature } from '../http.ts';
import {
  type FailureDetails,
  type OutgoingSms,
  PermanentError,
  ProviderDownError,
  type ProviderReceipt,
  type SendResult,
  type SmsProvider,
  TransientError,
} from '../index.ts';

export interface VonageOptions {
  /** Default https://rest.nexmo.com; tests point it at a fake on 127.0.0.1. */
  baseUrl?: string;
  /** What baseUrl may resolve to (the destination guard). */
  destinations: DestinationPolicy;
  apiKey: string;
  apiSecret: string;
  /** Sender for messages without their own `from`: a number in E.164 or an alphanumeric ID. */
  from?: string;
  /** Where Vonage sends delivery receipts. */
  callbackUrl?: string;
  /** Per request, connection to last byte; default 15 s. */
  timeoutMs?: number;
}

const defaultTimeoutMs = 15_000;

// ttl: milliseconds from 20000 to 604800000 (7 days); Vonage's default is 72 hours.
const minTtlMs = 20_000;
const maxTtlMs = 604_800_000;

const maxSegments = 255;

interface VonageSegment {
  status?: unknown;
  'message-id'?: unknown;
  'error-text'?: unknown;
  'message-price'?: unknown;
}

export class VonageProvider implements SmsProvider {
  readonly name = 'vonage';
  private readonly endpoint: string;

  constructor(private readonly options: VonageOptions) {
    this.endpoint = `${(options.baseUrl ?? 'https://rest.nexmo.com').replace(/\/+$/, '')}/sms/json`;
  }

  async send(message: OutgoingSms): Promise<SendResult> {
    const from = message.from ?? this.options.from;
    if (!from)
      throw new PermanentError(
        'No SMS sender is configured for Vonage: give the message a "from", or the provider a "from".',
        'failure',
      );
    const body: Record<string, string | number> = {
      api_key: this.options.apiKey,
      api_secret: this.options.apiSecret,
      // Numbers go without "+"; an alphanumeric sender ID as it is.
      from: /^\+\d+$/.test(from) ? from.slice(1) : from,
      to: message.to.replace(/^\+/, ''),
      text: message.text,
      type: message.encoding === 'UCS-2' ? 'unicode' : 'text',
      'client-ref': message.id,
    };
    if (this.options.callbackUrl) body.callback = this.options.callbackUrl;
    if (message.validUntil) body.ttl = ttl(message.validUntil, new Date());

    const answer = await requestWithDeadline(
      'Vonage',
      {
        method: 'POST',
        url: this.endpoint,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      },
      { timeoutMs: this.options.timeoutMs ?? defaultTimeoutMs, destinations: this.options.destinations },
    );
    return readVonageAnswer(answer.status, answer.text, answer.headers.get('retry-after'));
  }

  async close(): Promise<void> {}
}

/** Milliseconds from now to `validUntil`, held to what Vonage accepts. */
function ttl(validUntil: Date, now: Date): number {
  return Math.min(maxTtlMs, Math.max(minTtlMs, validUntil.getTime() - now.getTime()));
}

/** The result of a send from Vonage's answer, or the error it amounts to. */
export function readVonageAnswer(
  httpStatus: number,
  text: string,
  retryAfter: string | null,
  now = Date.now(),
): SendResult {
  const wait = retryAfterMs(retryAfter, now);
  const details = {
    response: foreignSnippet(text, snippetChars.provider) || `HTTP ${httpStatus}`,
    responseCode: httpStatus,
  };
  const withWait = wait === undefined ? details : { ...details, retryAfterMs: wait };
  if (httpStatus === 401 || httpStatus === 403)
    throw new ProviderDownError(`Vonage refused the account: ${details.response}`, details);
  if (httpStatus === 429)
    throw new TransientError(`Vonage is throttling requests: ${details.response}`, withWait);
  if (httpStatus >= 500) throw new TransientError(`Vonage failed: ${details.response}`, withWait);
  const answer = parseJsonObject(text);
  // A message has at most 255 segments (the UDH counts them in one octet): more is not an answer to it.
  const segments = Array.isArray(answer?.messages)
    ? (answer.messages as VonageSegment[]).slice(0, maxSegments)
    : [];
  if (httpStatus < 200 || httpStatus > 299 || segments.length === 0)
    throw new TransientError(`Vonage gave an unexpected answer: ${details.response}`, details);

  const accepted = segments.filter((s) => String(s.status) === '0');
  const refused = segments.find((s) => String(s.status) !== '0');
  // Ids and texts are Vonage's (or whoever answered): kept short and clean.
  const idOf = (s: VonageSegment) => foreignString(s['message-id'], 64) ?? '';
  if (refused) {
    const status = foreignString(refused.status, 10) ?? '';
    const errorText = foreignString(refused['error-text'], snippetChars.provider) ?? `status ${status}`;
    // Vonage sends segment by segment: those it took before the refusal may still reach the
    // recipient, and a retry sends them again.
    const count = Number(answer?.['message-count']) || segments.length;
    const partial =
      accepted.length > 0
        ? ` (${accepted.length} of ${count} segments were accepted before: ${accepted.map(idOf).join(', ')})`
        : '';
    throw classifyVonageStatus(status, errorText, httpStatus, partial);
  }
  const ids = accepted.map(idOf);
  const prices = accepted.map((s) => Number(s['message-price'])).filter((p) => Number.isFinite(p));
  const price =
    prices.length > 0 ? `, price ${Number(prices.reduce((sum, p) => sum + p, 0).toFixed(8))}` : '';
  return {
    providerMessageId: ids[0] ?? null,
    segmentIds: ids,
    response: `${httpStatus}, ${ids.length} segment${ids.length === 1 ? '' : 's'}${price}`,
  };
}

// Vonage SMS API response codes (developer.vonage.com/en/messaging/sms/guides/troubleshooting-sms).
// The account cannot send: invalid credentials, account barred, quota (balance) exhausted, not
// enabled for HTTP, bad request signature, signature and secret both given.
const accountStatuses = new Set(['4', '8', '9', '11', '14', '32']);
// The destination cannot take messages: barred (7), de-activated (33). 29 (non-whitelisted
// destination) is not among them: the number is fine, the account is in demo mode, so it is a
// failure and must not count against the recipient.
const recipientStatuses = new Set(['7', '33']);
// 3 "invalid params" is a bounce only when the text names the recipient's number.
const aboutRecipient = /\bto\b|number|msisdn|destination|recipient/i;

/**
 * The error for a non-zero segment status, from Vonage's error-text; `note` is added to the
 * response (segments accepted before the refusal).
 */
export function classifyVonageStatus(
  status: string,
  errorText: string,
  httpStatus = 200,
  note = '',
): TransientError | PermanentError {
  const response = errorText + note;
  const details: FailureDetails = { response, responseCode: httpStatus, errorCode: status };
  if (status === '1')
    return new TransientError(`Vonage is throttling messages: ${response}`, {
      ...details,
      retryAfterMs: 1000,
    });
  if (status === '5') return new TransientError(`Vonage failed: ${response}`, details);
  if (accountStatuses.has(status))
    return new ProviderDownError(`Vonage refused the account: ${response}`, details);
  const bounce = recipientStatuses.has(status) || (status === '3' && aboutRecipient.test(errorText));
  return new PermanentError(
    `Vonage refused the message: ${response}`,
    bounce ? 'bounce' : 'failure',
    details,
  );
}

// DLR err-code values (developer.vonage.com/en/messaging/sms/guides/delivery-receipts).
const dlrErrorTexts: Record<string, string> = {
  '1': 'Unknown',
  '2': 'Absent subscriber (temporary)',
  '3': 'Absent subscriber (permanent)',
  '4': 'Call barred by user',
  '5': 'Portability error',
  '6': 'Anti-spam rejection',
  '7': 'Handset busy',
  '8': 'Network error',
  '9': 'Illegal number',
  '10': 'Illegal message',
  '11': 'Unroutable',
  '12': 'Destination unreachable',
  '13': 'Subscriber age restriction',
  '14': 'Number blocked by carrier',
  '15': 'Pre-paid, insufficient funds',
  '16': 'Gateway quota exceeded',
  '50': 'Entity filter',
  '51': 'Header filter',
  '52': 'Content filter',
  '53': 'Consent filter',
  '54': 'Regulation error',
  '99': 'General error',
};
// Permanent: the code says the recipient's number cannot take our messages and retrying cannot
// change that (number gone, barred or blocked for SMS, opted out, no route to it, age). The
// others are about the moment (busy, absent, network), the content, or our account.
const permanentDlrCodes = new Set(['3', '4', '9', '12', '13', '14']);

/**
 * A delivery receipt (query or form parameters) as a receipt for one segment; null for the
 * statuses that change nothing (accepted, buffered, unknown). `at` is message-timestamp, else
 * scts, else now.
 */
export function parseVonageReceipt(params: Record<string, string>, now = new Date()): ProviderReceipt | null {
  const id = params.messageId;
  const providerStatus = params.status;
  if (!id || !providerStatus) return null;
  const status =
    providerStatus === 'delivered'
      ? 'delivered'
      : providerStatus === 'expired'
        ? 'expired'
        : providerStatus === 'failed' || providerStatus === 'rejected'
          ? 'failed'
          : null;
  if (status === null) return null;
  const receipt: ProviderReceipt = {
    providerMessageId: id,
    status,
    at: vonageTimestamp(params['message-timestamp']) ?? scts(params.scts) ?? now,
    providerStatus,
  };
  const code = params['err-code'];
  if (status !== 'delivered' && code && code !== '0') {
    receipt.errorCode = code;
    const text = dlrErrorTexts[code];
    if (text !== undefined) receipt.errorText = text;
  }
  if (status === 'failed') receipt.permanent = code !== undefined && permanentDlrCodes.has(code);
  return receipt;
}

/** "2026-11-22 10:00:05", UTC. */
function vonageTimestamp(value: string | undefined): Date | undefined {
  const m = value ? /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(value.trim()) : null;
  if (!m) return undefined;
  const [, year, month, day, hour, minute, second] = m.map(Number) as number[];
  return validDate(year, month, day, hour, minute, second);
}

/** The carrier's time, YYMMDDHHMM ("2611221000" is 2026-11-22 10:00 UTC). */
function scts(value: string | undefined): Date | undefined {
  const m = value ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(value.trim()) : null;
  if (!m) return undefined;
  const [, year, month, day, hour, minute] = m.map(Number) as number[];
  return validDate(2000 + (year ?? 0), month, day, hour, minute, 0);
}

function validDate(...parts: (number | undefined)[]): Date | undefined {
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = parts;
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 2026-02-30 over to March: a field out of range is a malformed time.
  return date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60
    ? date
    : undefined;
}

export type VonageSignatureMethod = 'md5hash' | 'md5' | 'sha1' | 'sha256' | 'sha512';

/**
 * Vonage's request signature ("Signing messages"): every parameter but `sig`, sorted by name,
 * as "&name=value" with "&" and "=" in values replaced by "_"; md5hash is MD5 of that string
 * followed by the secret, the others an HMAC keyed with the secret. Lower-case hex.
 */
export function vonageSignature(
  params: Record<string, string>,
  secret: string,
  method: VonageSignatureMethod = 'md5hash',
): string {
  const data = Object.keys(params)
    .filter((name) => name !== 'sig')
    .sort()
    .map((name) => `&${name}=${String(params[name]).replace(/[&=]/g, '_')}`)
    .join('');
  if (method === 'md5hash')
    return createHash('md5')
      .update(data + secret, 'utf8')
      .digest('hex');
  return createHmac(method, secret).update(data, 'utf8').digest('hex');
}

const maxClockSkewMs = 5 * 60_000;

/**
 * True when `sig` matches (hex, any case) and `timestamp` (Unix seconds, covered by the
 * signature) is within 5 minutes of now: an old signed receipt replayed later is refused, and so
 * is one without a timestamp.
 */
export function verifyVonageSignature(
  params: Record<string, string>,
  secret: string,
  method: VonageSignatureMethod = 'md5hash',
  now = Date.now(),
): boolean {
  const sig = params.sig;
  const timestamp = params.timestamp;
  if (!sig || !timestamp || !/^\d{1,12}$/.test(timestamp)) return false;
  if (Math.abs(now - Number(timestamp) * 1000) > maxClockSkewMs) return false;
  return sameSignature(vonageSignature(params, secret, method), sig.toLowerCase());
}
