// The one interface every channel provider implements. The worker hands a provider a fully
// rendered message and gets back an id, or an error that says whether to retry. It never
// knows which provider it drives.
import type { Mailbox } from './email/address.ts';

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
  dkim: { domainName: string; keySelector: string; privateKey: string } | null;
}

export interface SendResult {
  /** The provider's id for the message, when it gives one (an SMTP queue id, an API id). */
  providerMessageId: string | null;
  /** The provider's answer, e.g. the SMTP reply line. */
  response: string;
}

export interface EmailProvider {
  /** Shown in events and logs: "smtp", "capture", … */
  readonly name: string;
  send(message: OutgoingEmail): Promise<SendResult>;
  close(): Promise<void>;
}

interface FailureDetails {
  response?: string;
  responseCode?: number;
  enhancedStatus?: string;
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
