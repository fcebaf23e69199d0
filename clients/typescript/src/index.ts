// A typed client for the Aviso API: openapi-fetch over the types generated from Aviso's
// OpenAPI document (src/schema.ts). Every path, parameter, body and answer, error answers
// included, is checked by the compiler; nothing here is written by hand but this wrapper.
import createClient, { type Client, type ClientOptions } from 'openapi-fetch';
import type { components, paths } from './schema.ts';

export type { components, operations, paths } from './schema.ts';

/** The named schemas of the document: `Schemas['MessageRequest']`, `Schemas['Message']`, … */
export type Schemas = components['schemas'];

/** Every error answer: `{ error: { code, message, path?, details? } }`. */
export type AvisoError = Schemas['Error'];

export type AvisoClient = Client<paths>;

export interface AvisoClientOptions extends Omit<ClientOptions, 'baseUrl' | 'headers'> {
  /** Where the API is, e.g. "http://127.0.0.1:8080". */
  baseUrl: string;
  /** An API key of the project (`npx aviso keys create`). */
  apiKey: string;
  /** Sent with every request, besides the API key. */
  headers?: Record<string, string>;
}

/** A client whose requests carry the API key; its methods are openapi-fetch's (GET, POST, …). */
export function createAvisoClient({ baseUrl, apiKey, headers, ...options }: AvisoClientOptions): AvisoClient {
  return createClient<paths>({
    ...options,
    baseUrl: baseUrl.replace(/\/+$/, ''),
    headers: { ...headers, Authorization: `Bearer ${apiKey}` },
  });
}
