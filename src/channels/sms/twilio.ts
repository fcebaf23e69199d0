// Twilio Programmable Messaging over its REST API: sending through Messages.json, reading status
// callbacks and checking their X-Twilio-Signature. It never retries on its own: every failure
// leaves as a TransientError (try again), a ProviderDownError (our account or Twilio's side) or a
// PermanentError (this message will never go), and it never reads a callback it has not verified.
import { createHmac } from 'node:crypto';
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

export interface TwilioOptions {
  /** Default https://api.twilio.com; tests point it at a fake on 127.0.0.1. */
  baseUrl?: string;
  /** What baseUrl may resolve to (the destination guard). */
  destinations: DestinationPolicy;
  /** "AC" and 32 hex digits; with the auth token, the HTTP Basic credentials. */
  accountSid: string;
  authToken: string;
  /** Sender for messages without their own `from`: a number in E.164 or an alphanumeric ID. */
  from?: string;
  /** "MG…": lets Twilio pick the sender from the service's pool when there is no `from`. */
  messagingServiceSid?: string;
  /** Where Twilio posts status changes (query string included: it is part of the signature). */
  statusCallbackUrl?: string;
  /** Per request, connection to last byte; default 15 s. */
  timeoutMs?: number;
}

const defaultTimeoutMs = 15_000;

// ValidityPeriod: whole seconds from 1 to 36000 (Twilio's message resource docs; older docs
// and twilio.md predate the change from 14400).
const minValiditySeconds = 1;
const maxValiditySeconds = 36_000;

export class TwilioProvider implements SmsProvider {
  readonly name = 'twilio';
  private readonly endpoint: string;
  private readonly authorization: string;

  constructor(private readonly options: TwilioOptions) {
    const base = (options.baseUrl ?? 'https://api.twilio.com').replace(/\/+$/, '');
    this.endpoint = `${base}/2010-04-01/Accounts/${encodeURIComponent(options.accountSid)}/Messages.json`;
    this.authorization = `Basic ${Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')}`;
  }

  async send(message: OutgoingSms): Promise<SendResult> {
    const from = message.from ?? this.options.from;
    const service = this.options.messagingServiceSid;
    if (!from && !service)
      throw new PermanentError(
        'No SMS sender is configured for Twilio: give the message a "from", or the provider a "from" or a "messagingServiceSid".',
        'failure',
      );
    const form = new URLSearchParams({ To: message.to, Body: message.text });
    if (from) form.set('From', from);
    if (service) form.set('MessagingServiceSid', service);
    if (this.options.statusCallbackUrl) form.set('StatusCallback', this.options.statusCallbackUrl);
    if (message.validUntil)
      form.set('ValidityPeriod', String(validityPeriod(message.validUntil, new Date())));

    const answer = await requestWithDeadline(
      'Twilio',
      {
        method: 'POST',
        url: this.endpoint,
        headers: {
          authorization: this.authorization,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: form.toString(),
      },
      { timeoutMs: this.options.timeoutMs ?? defaultTimeoutMs, destinations: this.options.destinations },
    );
    if (answer.status < 200 || answer.status > 299)
      throw classifyTwilioFailure(answer.status, answer.text, answer.headers.get('retry-after'));
    const resource = parseJsonObject(answer.text);
    const sid =
      typeof resource?.sid === 'string' ? foreignString(resource.sid, snippetChars.provider) : undefined;
    if (!resource || sid === undefined)
      throw new TransientError(`Twilio answered ${answer.status} without a message sid`, {
        response: foreignSnippet(answer.text, snippetChars.provider),
        responseCode: answer.status,
      });
    const segments = Number(resource.num_segments) || message.segments;
    const status = foreignString(resource.status, 20) ?? 'queued';
    return {
      providerMessageId: sid,
      response: `${answer.status} ${status} (${segments} segment${segments === 1 ? '' : 's'})`,
    };
  }

  async close(): Promise<void> {}
}

/** Seconds from now to `validUntil`, rounded up and held to what Twilio accepts. */
export function validityPeriod(validUntil: Date, now: Date): number {
  const seconds = Math.ceil((validUntil.getTime() - now.getTime()) / 1000);
  return Math.min(maxValiditySeconds, Math.max(minValiditySeconds, seconds));
}

// https://www.twilio.com/docs/api/errors. The recipient's number is wrong: a bounce.
const bounceCodes = new Set(['21211', '21614']);
// Authentication failed (20003) or the account is not active (10001, 20005): nothing can go
// through this account until an operator acts.
const accountCodes = new Set(['20003', '10001', '20005']);

/** The error for a non-2xx answer to a send, from its status, its JSON body and Retry-After. */
export function classifyTwilioFailure(
  httpStatus: number,
  body: string,
  retryAfter: string | null,
  now = Date.now(),
): TransientError | PermanentError {
  const error = parseJsonObject(body);
  // Twilio's documented error fields first; the raw body only when there are none.
  const code = foreignString(error?.code, 20);
  const text =
    foreignString(error?.message, snippetChars.provider) ??
    (foreignSnippet(body, snippetChars.provider) || `HTTP ${httpStatus}`);
  const details: FailureDetails = { response: text, responseCode: httpStatus };
  if (code !== undefined) details.errorCode = code;
  const wait = retryAfterMs(retryAfter, now);
  const withWait = wait === undefined ? details : { ...details, retryAfterMs: wait };

  if (httpStatus === 401 || (code !== undefined && accountCodes.has(code)))
    return new ProviderDownError(`Twilio refused the account: ${text}`, details);
  if (httpStatus === 429 || code === '20429')
    return new TransientError(`Twilio is throttling requests: ${text}`, withWait);
  if (httpStatus >= 500) return new TransientError(`Twilio failed: ${text}`, withWait);
  if (!error || httpStatus < 400)
    return new TransientError(`Twilio gave an unexpected answer: ${text}`, details);
  const kind = code !== undefined && bounceCodes.has(code) ? 'bounce' : 'failure';
  return new PermanentError(`Twilio refused the message: ${text}`, kind, details);
}

/**
 * X-Twilio-Signature: Base64(HMAC-SHA1(auth token, URL + every parameter's name and value,
 * names sorted case-sensitively)). The URL is the one Twilio was given, query string included.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((name) => name + params[name])
      .join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** False for a missing or wrong signature; callers answer 403 and read nothing else. */
export function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  header: string | undefined,
): boolean {
  if (!header) return false;
  return sameSignature(twilioSignature(authToken, url, params), header);
}

// Statuses before the message leaves Twilio: they change nothing for Aviso.
const pendingStatuses = new Set(['queued', 'sending', 'accepted', 'scheduled']);
// The number is wrong, unreachable for SMS, or opted out (21610): retrying cannot help.
const permanentDeliveryCodes = new Set(['30005', '30006', '21211', '21614', '21610']);
// Callbacks carry only the code; these words make events readable without the error catalogue.
const deliveryErrorTexts: Record<string, string> = {
  '30001': 'Queue overflow',
  '30002': 'Account suspended',
  '30003': 'Unreachable destination handset',
  '30004': 'Message blocked',
  '30005': 'Unknown destination handset',
  '30006': 'Landline or unreachable carrier',
  '30007': 'Message filtered by the carrier',
  '30008': 'Unknown error',
};

/**
 * A status callback as a receipt; null for statuses that change nothing (queued, sending, …)
 * and for statuses Aviso never causes (canceled, received, …). Callbacks carry no time: `at`
 * is when it arrived.
 */
export function parseTwilioStatus(params: Record<string, string>, now = new Date()): ProviderReceipt | null {
  const id = params.MessageSid ?? params.SmsSid;
  const providerStatus = params.MessageStatus ?? params.SmsStatus;
  if (!id || !providerStatus || pendingStatuses.has(providerStatus)) return null;
  const base = { providerMessageId: id, at: now, providerStatus };
  switch (providerStatus) {
    case 'sent':
      return { ...base, status: 'sent' };
    case 'delivered':
      return { ...base, status: 'delivered' };
    case 'read':
      return { ...base, status: 'read' };
    case 'undelivered':
    case 'failed': {
      const errorCode = params.ErrorCode || undefined;
      const receipt: ProviderReceipt = {
        ...base,
        status: 'failed',
        permanent: errorCode !== undefined && permanentDeliveryCodes.has(errorCode),
      };
      if (errorCode !== undefined) receipt.errorCode = errorCode;
      const errorText = errorCode === undefined ? undefined : deliveryErrorTexts[errorCode];
      if (errorText !== undefined) receipt.errorText = errorText;
      return receipt;
    }
    default:
      return null;
  }
}
