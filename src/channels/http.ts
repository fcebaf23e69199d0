// HTTP plumbing the JSON-over-HTTP providers share (Twilio, Vonage, WhatsApp): one request with a
// deadline and errors sorted into temporary or provider-down, Retry-After, tolerant JSON
// parsing, and constant-time signature comparison.
import { timingSafeEqual } from 'node:crypto';
import { ProviderDownError, TransientError } from './provider.ts';

export interface ProviderAnswer {
  status: number;
  headers: Headers;
  text: string;
}

/**
 * One request with a deadline covering the whole exchange (connect, headers, body). Failures
 * to get an answer leave as TransientError, or ProviderDownError when the host refuses
 * connections or does not exist: nothing will go through it until that changes.
 */
export async function requestWithDeadline(
  provider: string,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<ProviderAnswer> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError')
      throw new TransientError(`${provider} did not answer within ${timeoutMs} ms`);
    const code = networkErrorCode(err);
    const reason = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND')
      throw new ProviderDownError(`${provider} cannot be reached: ${reason}`, { response: reason });
    throw new TransientError(`${provider} request failed: ${reason}`, { response: reason });
  }
}

// fetch wraps socket errors: TypeError("fetch failed") with the system error as its cause, an
// AggregateError of them when several addresses were tried.
function networkErrorCode(err: unknown): string | undefined {
  const cause = err instanceof Error ? err.cause : undefined;
  const first = cause instanceof AggregateError ? cause.errors[0] : cause;
  const code = (first as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
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
