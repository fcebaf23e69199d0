// What one kind of provider is (SMTP, Twilio, SMPP, …): its settings, the channels it serves,
// how to build it, and what more it can do (a persistent session, an HTTP callback, receipt id
// forms). A kind is written as a ProviderKindSpec and sealed by providerKind(), so that stored
// settings reach the kind's own code only through its own schema: never through a cast.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../db/index.ts';
import type { Logger } from '../log.ts';
import type { DestinationPolicy } from '../net/index.ts';
import type { Channel } from '../vocabulary.ts';
import type {
  EmailProvider,
  ProviderReceipt,
  ReceiptSink,
  SmsProvider,
  WhatsAppProvider,
} from './provider.ts';

export type ChannelProvider = EmailProvider | SmsProvider | WhatsAppProvider;

/** What a kind's factory is given besides its settings. */
interface ProviderContext {
  /** The channel this provider serves (capture serves every channel). */
  channel: Channel;
  /** What the settings may make the provider connect to (the destination guard). */
  destinations: DestinationPolicy;
  /** Where the provider reports back; set for kinds with a callback. */
  callbackUrl: string | undefined;
  db: Kysely<Database>;
  /** Where receipts heard on the provider's own connection go (SMPP). */
  onReceipts: ReceiptSink;
  log: Logger | undefined;
}

/** Which setting names the place the provider connects to, as the destination guard reads it. */
type DestinationField =
  | { field: string; form: 'http-url' }
  | { field: string; form: 'smtp-url' }
  | { field: string; form: 'host' };

/** A callback as it arrived, before anything in it is trusted. */
export interface CallbackRequest {
  /** The URL the provider called, as it was given (query included): signatures cover it. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body's exact bytes (signatures cover them); empty for a GET. */
  rawBody: Buffer;
  /** The query (GET) or the form or JSON body (POST) as name → value; {} for `document` routes. */
  fields: Record<string, string>;
}

/** Where a WhatsApp user's own message goes: it opens the reply window, and STOP opts out. */
interface InboundMessage {
  /** E.164. */
  from: string;
  at: Date;
  text: string | null;
}

interface CallbackReport {
  receipts: ProviderReceipt[];
  /** Messages recipients sent (WhatsApp). */
  inbound?: InboundMessage[];
}

/** One HTTP route at /v1/callbacks/{type}/{id}: how the report travels, and its documentation. */
export interface CallbackRoute {
  method: 'GET' | 'POST';
  /**
   * `fields`: name → value pairs (the query of a GET, a form or JSON body of a POST);
   * `document`: a JSON document, read by the kind (an unreadable one is a 400).
   */
  carries: 'fields' | 'document';
  /** The answer the provider expects. */
  answer: { status: 200 | 204; description: string };
  operationId: string;
  summary: string;
  description: string;
  /** For the OpenAPI document only: the body is read as bytes, the query as the provider sends it. */
  documented: { querystring: z.ZodType } | { body: z.ZodType; consumes: string[] };
}

/** A GET the provider sends once to check the URL (WhatsApp's hub.challenge), as documented. */
interface HandshakeRoute {
  operationId: string;
  summary: string;
  description: string;
  querystring: z.ZodType;
  /** The 403's description. */
  refused: string;
}

interface CallbackHandshake<S> {
  route: HandshakeRoute;
  /** The text to echo with 200, or null: refused (403). */
  answer(query: Record<string, unknown>, settings: S): string | null;
}

interface CallbackSpec<S> {
  routes: readonly CallbackRoute[];
  /** True when the request is the provider's own, checked with its secrets before it is read. */
  verify(request: CallbackRequest, settings: S): boolean;
  /** What the log says of a refused request; never a secret. */
  refused: { message: string; fields?: (settings: S) => Record<string, unknown> };
  /** What a verified request reports; null when its document cannot be read. */
  read(request: CallbackRequest): CallbackReport | null;
  handshake?: CallbackHandshake<S>;
}

/** What a kind is written as: `S` is its settings schema, `P` the provider it builds. */
export interface ProviderKindSpec<S extends z.ZodType, P extends ChannelProvider> {
  channels: readonly Channel[];
  schema: S;
  /** Setting names that are secrets: sealed when stored, masked in every view. */
  secrets: readonly (keyof z.output<S> & string)[];
  /** Messages per second by default; null: no limit. */
  rateLimit: number | null;
  /** Where the settings make Aviso connect, vetted when they are saved; none for capture. */
  destination?: DestinationField;
  create(settings: z.output<S>, context: ProviderContext): P;
  /** Opens a persistent session at worker start (the SMPP bind); close() ends it. */
  start?(provider: P): Promise<void>;
  /** The provider reports back over HTTP: /v1/callbacks/{type}/{id}. */
  callback?: CallbackSpec<z.output<S>>;
  /** How receipts name messages, when not as send answered. */
  receipts?: { idForms(id: string): string[] };
}

/** A built provider, with what its kind can do bound to it. */
export interface ProviderInstance {
  provider: ChannelProvider;
  start?: () => Promise<void>;
}

/** A kind's callback checks, bound to one provider's stored settings. */
export interface BoundCallback {
  verify(request: CallbackRequest): boolean;
  refused: { message: string; fields: Record<string, unknown> };
  read(request: CallbackRequest): CallbackReport | null;
  handshake?(query: Record<string, unknown>): string | null;
}

export interface KindCallback {
  routes: readonly CallbackRoute[];
  handshake: HandshakeRoute | undefined;
  /** Stored settings in, the checks out. */
  bind(stored: Record<string, unknown>): BoundCallback;
}

/** A kind as the table holds it: every operation takes settings as stored. */
export interface ProviderKind<S extends z.ZodType = z.ZodType> {
  readonly channels: readonly Channel[];
  readonly schema: S;
  readonly secrets: readonly string[];
  readonly rateLimit: number | null;
  readonly destination: DestinationField | undefined;
  /** Has a session to open at worker start. */
  readonly persistent: boolean;
  readonly callback: KindCallback | undefined;
  readonly receipts: { idForms(id: string): string[] } | undefined;
  build(stored: Record<string, unknown>, context: ProviderContext): ProviderInstance;
}

/**
 * Seals a kind. Stored settings were validated by `schema` when saved; they are parsed with it
 * again here (once per built provider or callback), which types them for the kind's code.
 */
export function providerKind<S extends z.ZodType, P extends ChannelProvider>(
  spec: ProviderKindSpec<S, P>,
): ProviderKind<S> {
  const settingsOf = (stored: Record<string, unknown>): z.output<S> => spec.schema.parse(stored);
  const { callback, start } = spec;
  return {
    channels: spec.channels,
    schema: spec.schema,
    secrets: spec.secrets,
    rateLimit: spec.rateLimit,
    destination: spec.destination,
    persistent: start !== undefined,
    receipts: spec.receipts,
    callback: callback && {
      routes: callback.routes,
      handshake: callback.handshake?.route,
      bind(stored) {
        const settings = settingsOf(stored);
        const { handshake } = callback;
        return {
          verify: (request) => callback.verify(request, settings),
          refused: { message: callback.refused.message, fields: callback.refused.fields?.(settings) ?? {} },
          read: (request) => callback.read(request),
          ...(handshake ? { handshake: (query) => handshake.answer(query, settings) } : {}),
        };
      },
    },
    build(stored, context) {
      const provider = spec.create(settingsOf(stored), context);
      return start ? { provider, start: () => start(provider) } : { provider };
    },
  };
}

/** A header's value, the first when repeated. */
export function headerValue(request: CallbackRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

// Fields several kinds' settings share.

/** Read by the destination guard (providers/), as webhook URLs are: zod's own URL check would
 * drop tabs and line breaks silently instead of refusing them. */
export const baseUrlSetting = (def: string) =>
  z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .meta({
      format: 'uri',
      description: `The API's base URL (default ${def}); point it at a test server if you like. It must resolve to a public address unless AVISO_ALLOW_PRIVATE_DESTINATIONS=true.`,
    });

export const secretSetting = (description: string) =>
  z.string().min(1).max(500).meta({ description, format: 'password' });

/** How `fields` routes document their body: the provider's own names, read as bytes. */
export const reportFieldsBody = () =>
  z.record(z.string(), z.string()).meta({ description: "The provider's report fields." });

/** The answer of routes that take receipts: applied, or stored until their message's send is. */
export const receiptsTaken = {
  status: 204,
  description: 'Received (reports for unknown messages are logged and ignored).',
} as const;
