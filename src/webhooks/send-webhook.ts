// One signed webhook request: vet the URL, sign the body, POST it to the vetted address with a
// deadline, and describe what happened as an attempt (status, latency, the start of the
// answer, or why there was none). Never throws for the receiver's sake, and follows no
// redirect (a 3xx is a failed attempt: a redirect could point anywhere).
import { randomBytes } from 'node:crypto';
import http, { STATUS_CODES } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { retryAfterMs } from '../channels/index.ts';
import { testPayload } from './payload.ts';
import { signatureHeaders } from './sign.ts';
import { type HostLookup, type VettedUrl, vetWebhookUrl, WebhookUrlRefused } from './url-guard.ts';

/** How much of the answer is kept in the attempt log. */
export const snippetBytes = 1024;

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
  allowPrivate: boolean;
  timeoutMs: number;
  /** Aborts the request (stopping the dispatcher); the result then has error "aborted". */
  signal?: AbortSignal;
  lookup?: HostLookup;
}

export class SendAborted extends Error {
  constructor() {
    super('aborted');
    this.name = 'SendAborted';
  }
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
 * Sends `body` signed with `secret` as webhook `id`. Throws SendAborted only when `signal`
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
    vetted = await vetWebhookUrl(endpoint.url, {
      allowPrivate: options.allowPrivate,
      lookup: options.lookup,
    });
  } catch (err) {
    if (!(err instanceof WebhookUrlRefused)) throw err;
    return result({ error: `Not sent: ${err.message}` });
  }
  if (options.signal?.aborted) throw new SendAborted();
  try {
    const answer = await post(vetted, signatureHeaders(endpoint.secret, id, new Date(), body), body, options);
    const succeeded = answer.status >= 200 && answer.status < 300;
    const fields: Partial<AttemptResult> = {
      statusCode: answer.status,
      responseSnippet: answer.snippet,
      succeeded,
    };
    if (answer.status === 429 || answer.status === 503) {
      const wait = retryAfterMs(answer.retryAfter ?? null);
      if (wait !== undefined) fields.retryAfterMs = wait;
    }
    return result(fields);
  } catch (err) {
    if (err instanceof SendAborted) throw err;
    return result({ error: networkError(err, vetted, options.timeoutMs) });
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

function networkError(err: unknown, vetted: VettedUrl, timeoutMs: number): string {
  if (err instanceof DeadlineExceeded) return `No answer within ${timeoutMs / 1000} s.`;
  const code = (err as { code?: string }).code;
  const where = `${vetted.address}:${vetted.url.port || (vetted.url.protocol === 'https:' ? 443 : 80)}`;
  if (code === 'ECONNREFUSED') return `Connection refused by ${where}.`;
  if (code === 'ECONNRESET') return `The connection to ${where} was reset before an answer.`;
  if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return `${where} cannot be reached (${code}).`;
  const message = err instanceof Error ? err.message : String(err);
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

class DeadlineExceeded extends Error {}

interface Answer {
  status: number;
  retryAfter?: string;
  snippet: string;
}

/** POST to the vetted address; the deadline covers connect, headers and the snippet. */
function post(
  vetted: VettedUrl,
  signature: Record<string, string>,
  body: string,
  options: SendOptions,
): Promise<Answer> {
  // The hostname stays in the URL (Host header, TLS name check); only its address is fixed.
  const lookup: LookupFunction = (_host, lookupOptions, callback) => {
    if (lookupOptions.all) callback(null, [{ address: vetted.address, family: vetted.family }]);
    else callback(null, vetted.address, vetted.family);
  };
  const client = vetted.url.protocol === 'https:' ? https : http;
  return new Promise<Answer>((resolve, reject) => {
    const request = client.request(vetted.url, {
      method: 'POST',
      agent: false,
      lookup,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'user-agent': 'Aviso-Webhooks/1',
        ...signature,
      },
    });
    const deadline = setTimeout(() => request.destroy(new DeadlineExceeded()), options.timeoutMs);
    const onAbort = () => request.destroy(new SendAborted());
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const settle = () => {
      clearTimeout(deadline);
      options.signal?.removeEventListener('abort', onAbort);
    };
    request.on('error', (err) => {
      settle();
      reject(err);
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const done = () => {
        settle();
        const retryAfter = response.headers['retry-after'];
        resolve({
          status: response.statusCode ?? 0,
          snippet: Buffer.concat(chunks).subarray(0, snippetBytes).toString('utf8'),
          ...(retryAfter ? { retryAfter } : {}),
        });
        response.destroy();
      };
      response.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= snippetBytes) done();
      });
      response.on('end', done);
      response.on('error', (err) => {
        settle();
        reject(err);
      });
    });
    request.end(body);
  });
}
