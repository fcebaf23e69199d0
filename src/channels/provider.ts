// The one interface every channel provider implements. The worker hands a provider a fully
// rendered message and gets back an id, or an error that says whether to retry. It never
// knows which provider it drives. Providers that hear back (delivery receipts, read
// statuses) report them as ProviderReceipts, whatever the wire format was.
import type { DestinationRefused } from '../net/index.ts';
import type { Mailbox } from './email/address.ts';
import type { SmsEncoding } from './sms/encoding.ts';

export interface OutgoingEmail {
  /** Aviso's message id (msg_…). */
  id: string;
  projectId: string;
  priority: 'high' | 'normal' | 'low';
  from: Mailbox;
  to: Mailbox;
  replyTo: Mailbox | null;
  subject: string;
  html: string | null;
  text: string | null;
  headers: Record<string, string>;
  attachments: { filename: string; contentType: string; contentId: string | null; content: Buffer }[];
  /** The Message-ID header, angle brackets included. */
  messageIdHeader: string;
  /** Envelope sender (VERP, see return-path.ts); null: the From address. */
  returnPath: string | null;
  dkim: { domainName: string; keySelector: string; privateKey: string } | null;
}

export interface OutgoingSms {
  /** Aviso's message id (msg_…). */
  id: string;
  projectId: string;
  priority: 'high' | 'normal' | 'low';
  /** Sender ID (alphanumeric, ≤ 11 characters) or number in E.164; null: the provider's default. */
  from: string | null;
  /** E.164 with "+", e.g. "+34600111222". */
  to: string;
  text: string;
  /** Decided at accept time (segmentSms); the provider sends in this encoding. */
  encoding: SmsEncoding;
  segments: number;
  /** After this time the message is worthless (a 2FA code): providers that can, pass it on. */
  validUntil: Date | null;
}

/** One component of a WhatsApp template message, in the Cloud API's own format. */
export interface WhatsAppComponent {
  type: 'header' | 'body' | 'button';
  sub_type?: string;
  index?: string;
  parameters: (
    | { type: 'text'; text: string }
    | { type: 'document'; document: { link: string; filename?: string } }
    | { type: 'image'; image: { link: string } }
  )[];
}

export interface OutgoingWhatsApp {
  id: string;
  projectId: string;
  priority: 'high' | 'normal' | 'low';
  /** E.164 with "+". */
  to: string;
  /** A template message (the only kind allowed outside the 24-hour window)… */
  template: { name: string; language: string; components: WhatsAppComponent[] } | null;
  /** …or free-form text, which Aviso only accepts inside the window. */
  text: string | null;
  validUntil: Date | null;
}

export interface SendResult {
  /** The provider's id for the message, when it gives one (an SMTP queue id, an API id). */
  providerMessageId: string | null;
  /**
   * Every id the provider may send receipts for, when there are several (one per SMS segment
   * with Vonage and SMPP). The first is `providerMessageId`.
   */
  segmentIds?: string[];
  /** The provider's answer, e.g. the SMTP reply line. */
  response: string;
}

export type { Channel } from '../vocabulary.ts';

interface ProviderBase<M> {
  /** Shown in events and logs: "smtp", "capture", "twilio", … */
  readonly name: string;
  send(message: M): Promise<SendResult>;
  close(): Promise<void>;
}

export type EmailProvider = ProviderBase<OutgoingEmail>;
export type SmsProvider = ProviderBase<OutgoingSms>;
export type WhatsAppProvider = ProviderBase<OutgoingWhatsApp>;

/**
 * What a provider reported about a message it took: normalized from a Twilio status callback,
 * a Vonage receipt, an SMPP deliver_sm or a WhatsApp status. `pending` statuses (queued,
 * accepted, buffered…) change nothing and may be dropped by the parser.
 */
export interface ProviderReceipt {
  /** The id the provider gave at send time (or one of the segment ids). */
  providerMessageId: string;
  status: 'sent' | 'delivered' | 'read' | 'failed' | 'expired';
  /** When the provider says it happened; the receive time when it does not say. */
  at: Date;
  /** The provider's own status word, e.g. "undelivered", "DELIVRD". */
  providerStatus: string;
  errorCode?: string;
  errorText?: string;
  /** For failures: true when retrying the same recipient cannot help (unknown number…). */
  permanent?: boolean;
}

/**
 * Where providers that receive receipts on their own connection (SMPP) hand them; a returned
 * promise says when they are safely taken (the peer is acknowledged only then).
 */
export type ReceiptSink = (receipts: ProviderReceipt[]) => void | Promise<void>;

export interface FailureDetails {
  /** The provider's answer as text: an SMTP reply line, an API error message. */
  response?: string;
  /** An SMTP reply code or an HTTP status. */
  responseCode?: number;
  enhancedStatus?: string;
  /** The provider's own error code: Twilio 21211, Vonage "3", SMPP "0x0B", WhatsApp 131026. */
  errorCode?: string;
}

/** Worth retrying: the provider or the network failed for now (SMTP 4xx, timeouts, …). */
export class TransientError extends Error {
  constructor(
    message: string,
    readonly details: FailureDetails & { retryAfterMs?: number } = {},
  ) {
    super(message);
    this.name = 'TransientError';
  }
}

/**
 * The provider cannot send anything now: credentials refused, bind failed, account suspended,
 * connection refused. The message is not at fault: the worker opens the provider's circuit at
 * once and fails over to the next provider of the channel (or retries later). Operators are
 * alerted through the log.
 */
export class ProviderDownError extends TransientError {
  constructor(message: string, details: FailureDetails & { retryAfterMs?: number } = {}) {
    super(message, details);
    this.name = 'ProviderDownError';
  }
}

/**
 * Final: the message will never go through as it is. `bounce` means the recipient was
 * refused (the address is bad); `failure` means something else (content, policy, sender).
 */
export class PermanentError extends Error {
  constructor(
    message: string,
    readonly kind: 'bounce' | 'failure',
    readonly details: FailureDetails = {},
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}

/**
 * The provider's settings point where Aviso must not connect (a loopback, private or metadata
 * address, refused by the destination guard). The message is not at fault, so the next
 * provider of the channel is tried; but nothing changes until the settings do, so the message
 * is not retried: when no provider is left it fails.
 */
export class DestinationNotAllowedError extends PermanentError {
  constructor(message: string) {
    super(message, 'failure', { response: message });
    this.name = 'DestinationNotAllowedError';
  }
}

/**
 * The error a send ends with when the guard refused the provider's destination: a host that
 * does not resolve is down (as when it refuses connections), anything else is not allowed.
 */
export function refusedDestination(
  provider: string,
  refusal: DestinationRefused,
): TransientError | PermanentError {
  if (refusal.problem === 'unresolvable')
    return new ProviderDownError(`${provider} cannot be reached: ${refusal.message}`, {
      response: refusal.message,
    });
  return new DestinationNotAllowedError(
    `Not sent: the ${provider} destination is refused. ${refusal.message}`,
  );
}
