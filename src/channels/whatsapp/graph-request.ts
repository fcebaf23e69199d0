// One Graph API call to the vetted address of its URL: Bearer token, JSON, a timeout. Answers
// the parsed body of a 2xx reply; anything else becomes the classified error (graph-errors.ts).
// It never puts the token anywhere but the Authorization header, and never logs.
import { type DestinationPolicy, foreignSnippet, snippetChars } from '../../net/index.ts';
import { requestWithDeadline } from '../http.ts';
import { ProviderDownError, TransientError } from '../index.ts';
import { graphErrorOf, graphFailure } from './graph-errors.ts';

const defaultGraphUrl = 'https://graph.facebook.com';
const defaultApiVersion = 'v21.0';
const defaultTimeoutMs = 15_000;

export interface GraphRequest {
  method: 'GET' | 'POST';
  url: string;
  accessToken: string;
  body?: unknown;
  timeoutMs?: number;
  /** What the URL may resolve to (the destination guard). */
  destinations: DestinationPolicy;
}

export interface GraphReply {
  status: number;
  body: unknown;
}

export async function requestGraph(request: GraphRequest): Promise<GraphReply> {
  const timeoutMs = request.timeoutMs ?? defaultTimeoutMs;
  const headers: Record<string, string> = {
    authorization: `Bearer ${request.accessToken}`,
    accept: 'application/json',
  };
  if (request.body !== undefined) headers['content-type'] = 'application/json';
  const { status, text } = await requestWithDeadline(
    'WhatsApp Cloud API',
    {
      method: request.method,
      url: request.url,
      headers,
      ...(request.body !== undefined ? { body: JSON.stringify(request.body) } : {}),
    },
    { timeoutMs, destinations: request.destinations },
  );
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    // A proxy's HTML page or a truncated answer: nothing says the message is at fault.
    if (status === 401) throw new ProviderDownError('WhatsApp Cloud API refused the access token (401)');
    throw new TransientError(`WhatsApp Cloud API answered ${status} without JSON`, {
      responseCode: status,
      response: foreignSnippet(text, snippetChars.provider),
    });
  }
  if (status < 200 || status > 299) throw graphFailure(status, graphErrorOf(body));
  return { status, body };
}

/** `{base}/{version}/{path}` with the base's trailing slashes tolerated. */
export function graphUrl(baseUrl: string | undefined, apiVersion: string | undefined, path: string): URL {
  const base = (baseUrl ?? defaultGraphUrl).replace(/\/+$/, '');
  return new URL(`${base}/${apiVersion ?? defaultApiVersion}/${path}`);
}
