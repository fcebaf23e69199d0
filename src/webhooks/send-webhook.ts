// One signed webhook request: vet the URL, sign the body, POST it to the vetted address with a
// deadline, and describe what happened as an attempt (status, latency, the start of the
// answer, or why there was none). Never throws for the receiver's sake, and follows no
// redirect (a 3xx is a failed attempt: a redirect could point anywhere).
import { randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { retryAfterMs } from '../channels/index.ts';
import {
  DeadlineExceeded,
  type DestinationPolicy,
  DestinationRefused,
  foreignSnippet,
  RequestAborted,
  requestPinned,
  snippetChars,
  type VettedUrl,
  vetHttpUrl,
} from '../net/index.ts';
import { testPayload } from './payload.ts';
import { signatureHeaders } from './sign.ts';

/**
 * How much of the answer is read and kept (sanitised) in the attempt log: enough to see why a
 * receiver refused, from the project's own receiver. Reading private addresses' answers this
 * way takes AVISO_ALLOW_PRIVATE_DESTINATIONS or AVISO_WEBHOOKS_ALLOW_PRIVATE.
 */
const snippetBytes = snippetChars.webhook;

export interface AttemptResult {
  attemptedAt: Date;
  /** null: no HTTP answer (network error, timeout, refused by the guard). */
  statusCode: number | null;
  latencyMs: number;
  responseSnippet: string | null;
  error: string | null;
  succeeded: boolean;
  /** The receiver's Retry-After (429, 503), in milliseconds. */
  retryAfterMs?: number;
}

export interface SendOptions {
  /** What the URL may resolve to (webhookDestinations). */
  destinations: DestinationPolicy;
  timeoutMs: number;
  /** Aborts the request (stopping the dispatcher): sendWebhook then throws RequestAborted. */
  signal?: AbortSignal;
}

/** "HTTP 503 Service Unavailable", or the error of an attempt without an answer. */
export function describeAttempt(result: Pick<AttemptResult, 'statusCode' | 'error'>): string {
  if (result.statusCode !== null) {
    const text = STATUS_CODES[result.statusCode];
    return `HTTP ${result.statusCode}${text ? ` ${text}` : ''}`;
  }
  return result.error ?? 'no answer';
}

/**
 * Sends `body` signed with `secret` as webhook `id`. Throws RequestAborted only when `signal`
 * aborted it; every other outcome is an AttemptResult.
 */
export async function sendWebhook(
  endpoint: { url: string; secret: string },
  id: string,
  body: string,
  options: SendOptions,
): Promise<AttemptResult> {
  const attemptedAt = new Date();
  const started = performance.now();
  const result = (fields: Partial<AttemptResult>): AttemptResult => ({
    attemptedAt,
    statusCode: null,
    latencyMs: Math.round(performance.now() - started),
    responseSnippet: null,
    error: null,
    succeeded: false,
    ...fields,
  });
  let vetted: VettedUrl;
  try {
    vetted = await vetHttpUrl(endpoint.url, options.destinations, 'A webhook URL');
  } catch (err) {
    if (!(err instanceof DestinationRefused)) throw err;
    return result({ error: `Not sent: ${err.message}` });
  }
  try {
    const answer = await requestPinned(
      vetted,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Aviso-Webhooks/1',
          ...signatureHeaders(endpoint.secret, id, new Date(), body),
        },
        body,
      },
      { timeoutMs: options.timeoutMs, maxBytes: snippetBytes, signal: options.signal },
    );
    const succeeded = answer.status >= 200 && answer.status < 300;
    const fields: Partial<AttemptResult> = {
      statusCode: answer.status,
      responseSnippet: foreignSnippet(answer.body, snippetChars.webhook),
      succeeded,
    };
    const retryAfter = answer.headers['retry-after'];
    if ((answer.status === 429 || answer.status === 503) && retryAfter) {
      const wait = retryAfterMs(retryAfter);
      if (wait !== undefined) fields.retryAfterMs = wait;
    }
    return result(fields);
  } catch (err) {
    if (err instanceof RequestAborted) throw err;
    return result({ error: networkError(err, vetted) });
  }
}

/**
 * Sends one signed "webhook.test" request to the endpoint now, outside the queue (nothing is
 * logged or retried), so users can check their receiver.
 */
export function sendTestWebhook(
  endpoint: { id: string; url: string; secret: string },
  options: SendOptions,
): Promise<AttemptResult> {
  const body = JSON.stringify(testPayload(endpoint.id, new Date()));
  return sendWebhook(endpoint, `evt_test_${randomBytes(8).toString('hex')}`, body, options);
}

function networkError(err: unknown, vetted: VettedUrl): string {
  if (err instanceof DeadlineExceeded) return err.message;
  const code = (err as { code?: string }).code;
  const where = `${vetted.address}:${vetted.url.port || (vetted.url.protocol === 'https:' ? 443 : 80)}`;
  if (code === 'ECONNREFUSED') return `Connection refused by ${where}.`;
  if (code === 'ECONNRESET') return `The connection to ${where} was reset before an answer.`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${where} cannot be reached (${code}).`;
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}
