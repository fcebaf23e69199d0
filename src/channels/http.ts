// HTTP plumbing the JSON-over-HTTP providers share (Twilio, Vonage, WhatsApp): one request to
// a vetted address with a deadline and errors sorted into temporary, provider-down or not
// allowed, Retry-After, tolerant JSON parsing, and constant-time signature comparison.
import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import {
  DeadlineExceeded,
  type DestinationPolicy,
  DestinationRefused,
  requestPinned,
  type VettedUrl,
  vetHttpUrl,
} from '../net/index.ts';
import { ProviderDownError, refusedDestination, TransientError } from './provider.ts';

export interface ProviderAnswer {
  status: number;
  headers: Headers;
  text: string;
}

export interface ProviderRequest {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface ProviderRequestOptions {
  timeoutMs: number;
  /** What the URL may resolve to: a project sets it (baseUrl). */
  destinations: DestinationPolicy;
}

/** The largest answer read: a page of WhatsApp templates is the largest one expected. */
const maxAnswerBytes = 4 * 1024 * 1024;

// Connections are kept open between sends, as fetch did: a TLS handshake per SMS would double
// its latency. A pooled connection goes to the address that was vetted when it was opened.
const agents = { http: new http.Agent({ keepAlive: true }), https: new https.Agent({ keepAlive: true }) };

/**
 * One request to the vetted address of `url`, with a deadline covering the whole exchange
 * (connect, headers, body). Failures to get an answer leave as TransientError, or
 * ProviderDownError when the host does not exist or refuses connections: nothing will go
 * through it until that changes. A URL the guard refuses leaves as DestinationNotAllowedError.
 */
export async function requestWithDeadline(
  provider: string,
  request: ProviderRequest,
  options: ProviderRequestOptions,
): Promise<ProviderAnswer> {
  let vetted: VettedUrl;
  try {
    vetted = await vetHttpUrl(request.url, options.destinations, `The ${provider} URL`);
  } catch (err) {
    if (err instanceof DestinationRefused) throw refusedDestination(provider, err);
    throw err;
  }
  const { timeoutMs } = options;
  let answer: Awaited<ReturnType<typeof requestPinned>>;
  try {
    answer = await requestPinned(vetted, request, { timeoutMs, maxBytes: maxAnswerBytes, agents });
  } catch (err) {
    if (err instanceof DeadlineExceeded)
      throw new TransientError(`${provider} did not answer within ${timeoutMs} ms`);
    const code = (err as { code?: unknown }).code;
    const reason = err instanceof Error ? err.message : String(err);
    if (code === 'ECONNREFUSED')
      throw new ProviderDownError(`${provider} cannot be reached: ${reason}`, { response: reason });
    throw new TransientError(`${provider} request failed: ${reason}`, { response: reason });
  }
  if (!answer.complete)
    throw new TransientError(`${provider} answered more than ${maxAnswerBytes / 1024 / 1024} MiB`, {
      responseCode: answer.status,
    });
  const headers = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    for (const one of Array.isArray(value) ? value : [value])
      if (one !== undefined) headers.append(name, one);
  }
  return { status: answer.status, headers, text: answer.body.toString('utf8') };
}

/** Retry-After in milliseconds: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  const value = header?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

export function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Compares a computed signature with a received one without leaking where they differ. */
export function sameSignature(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
