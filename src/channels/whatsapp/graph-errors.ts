// Classifies Graph API errors (WhatsApp Cloud API error codes) as worth retrying, provider
// down, or final; the same verdict serves a refused send and a `failed` webhook status. Pure.
// Codes: https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes
import { foreignSnippet, foreignString, snippetChars } from '../../net/index.ts';
import { type FailureDetails, PermanentError, ProviderDownError, TransientError } from '../index.ts';

/** WhatsApp's pair rate limit: about one message every 6 s to the same user. */
export const pairRateLimitMs = 6_000;

/** Throughput and rate limits, and "something went wrong": the same request may pass later. */
const transientCodes = new Set([
  4, // application request limit
  80007, // WhatsApp Business Account rate limit
  130429, // Cloud API throughput reached
  131000, // something went wrong
  131056, // (business, consumer) pair rate limit
]);

/**
 * The account cannot send anything, whatever the message: an expired or refused token,
 * missing permissions, a locked or unpaid account, an unregistered number. Only 190 comes
 * from whatsapp-cloud.md; the others are the account-level codes of Meta's error table.
 */
const accountCodes = new Set([
  0, // AuthException
  3, // the app lacks the capability
  10, // permission denied
  190, // access token expired or invalid
  368, // temporarily blocked for policy violations
  131005, // access denied
  131031, // business account locked
  131042, // business eligibility: payment issue
  133010, // phone number not registered
]);

/** The recipient cannot get WhatsApp messages (not on WhatsApp, old app, …). */
const undeliverableCodes = new Set([131026]);

export type GraphVerdict = 'transient' | 'down' | 'bounce' | 'failure';

/**
 * What an error code (and, for a refused request, its HTTP status) means for the message.
 * Unknown codes follow the HTTP status: 5xx, 408 and 429 pass, other 4xx are final.
 */
export function classifyGraphError(code: number | undefined, httpStatus: number): GraphVerdict {
  // 200–299 are the "API permission" family.
  const accountCode = code !== undefined && (accountCodes.has(code) || (code >= 200 && code <= 299));
  if (httpStatus === 401 || accountCode) return 'down';
  if (code !== undefined && transientCodes.has(code)) return 'transient';
  if (code !== undefined && undeliverableCodes.has(code)) return 'bounce';
  if (httpStatus >= 500 || httpStatus === 408 || httpStatus === 429) return 'transient';
  return 'failure';
}

/** Whether a `failed` status with this code is final for the recipient; undefined without a code. */
export function isPermanentCode(code: number | undefined): boolean | undefined {
  if (code === undefined) return undefined;
  const verdict = classifyGraphError(code, 400);
  return verdict === 'bounce' || verdict === 'failure';
}

/** The `error` object of a Graph API error body. */
export interface GraphErrorBody {
  message?: string;
  type?: string;
  code?: number;
  error_subcode?: number;
  error_data?: { details?: string };
  fbtrace_id?: string;
}

/** Reads `{"error": {...}}` out of a parsed body, if it is one. */
export function graphErrorOf(body: unknown): GraphErrorBody | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const error = (body as { error?: unknown }).error;
  return typeof error === 'object' && error !== null ? (error as GraphErrorBody) : undefined;
}

/** The error to throw for a Graph API answer with HTTP status `httpStatus`. */
export function graphFailure(
  httpStatus: number,
  error: GraphErrorBody | undefined,
): TransientError | PermanentError {
  const code = typeof error?.code === 'number' ? error.code : undefined;
  // Graph's documented error fields, kept short: they are text from whoever answered.
  const details = foreignString(error?.error_data?.details, snippetChars.provider);
  const message = foreignString(error?.message, snippetChars.provider) ?? `HTTP ${httpStatus}`;
  const response = foreignSnippet(
    details && details !== message ? `${message}: ${details}` : message,
    snippetChars.provider,
  );
  const failure: FailureDetails = { response, responseCode: httpStatus };
  if (code !== undefined) failure.errorCode = String(code);
  const text = `WhatsApp Cloud API: ${response}`;
  switch (classifyGraphError(code, httpStatus)) {
    case 'down':
      return new ProviderDownError(text, failure);
    case 'transient':
      return new TransientError(
        text,
        code === 131056 ? { ...failure, retryAfterMs: pairRateLimitMs } : failure,
      );
    case 'bounce':
      return new PermanentError(text, 'bounce', failure);
    case 'failure':
      return new PermanentError(text, 'failure', failure);
  }
}
