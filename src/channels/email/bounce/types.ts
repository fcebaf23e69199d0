// The vocabulary of bounce classification, shared by every module of the parser.

export const bounceReasons = [
  'userunknown',
  'mailboxfull',
  'expired',
  'filtered',
  'rejected',
  'blocked',
  'hostunknown',
  'feedback',
  'authfailure',
  'networkerror',
  'suspend',
  'policyviolation',
  'requireptr',
  'spamdetected',
  'systemerror',
  'notaccept',
  'securityerror',
  'mailererror',
  'notcompliantrfc',
  'norelaying',
  'onhold',
  'hasmoved',
  'toomanyconn',
  'vacation',
  'delivered',
  'exceedlimit',
  'mesgtoobig',
  'badreputation',
  'contenterror',
  'virusdetected',
  'syntaxerror',
  'speeding',
  'undefined',
  'failedstarttls',
  'systemfull',
] as const;

export type BounceReason = (typeof bounceReasons)[number];

export interface BounceResult {
  /** The recipient the report is about, lower-cased. */
  recipient: string;
  /** Enhanced status code (RFC 3463) such as `5.1.1`; `""` for complaints and auto-replies. */
  status: string;
  /** SMTP reply code such as `550`; `""` when the report gives none. */
  replyCode: string;
  reason: BounceReason;
  /** True when the address should be suppressed at once. */
  hardBounce: boolean;
  /** ARF Feedback-Type (RFC 5965 §3.1) for complaints, else null. */
  feedbackType: string | null;
  /** The remote server's words, for humans (Diagnostic-Code or the quoted reply), trimmed, ≤ 1000 chars. */
  diagnostic: string;
  /** A delay notice (RFC 3464 Action: delayed): the sending server is still trying. */
  delayed?: true;
  /** Which rule decided each field (only when asked: `aviso bounces parse --explain`). */
  explain?: BounceExplanation;
}

interface BounceExplanation {
  recipient: string;
  status: string;
  reason: string;
  hardBounce: string;
}

export interface BounceReport {
  /**
   * 'bounce' (a DSN or MTA failure notice), 'complaint' (ARF), 'auto-reply' (RFC 3834; one
   * `vacation` result when it is a person's out-of-office answer), 'delivered' (a success DSN
   * with Action: delivered/relayed/expanded only), or 'none'.
   */
  kind: 'bounce' | 'complaint' | 'auto-reply' | 'delivered' | 'none';
  results: BounceResult[];
  /**
   * Headers of the original message when the report includes them: lower-cased names →
   * first value ('message-id', 'x-aviso-message-id', 'return-path', 'to', 'from', 'subject').
   */
  original: Record<string, string>;
}

/** What a format reader found about one recipient, before classification. */
export interface RecipientFailure {
  recipient: string;
  /**
   * The address the final MTA knew the recipient by, when the report gives one that differs
   * from `recipient` (the address as sent, RFC 3464 §2.3.1 Original-Recipient): a forward or
   * an alias. The notice's text names that one.
   */
  finalRecipient?: string;
  /** The server's words about this recipient. */
  diagnostic: string;
  status?: string;
  replyCode?: string;
  /** RFC 3464 Action, lower-cased. */
  action?: string;
  /** A reason the format itself states (e.g. qmail's or a carrier's fixed texts). */
  reason?: BounceReason;
  /** The SMTP command the failure answered (RCPT, MAIL, DATA, …), when known. */
  command?: string;
  /** A local delivery program failed (Diagnostic-Code type X-Unix): procmail, a pipe. */
  localDelivery?: boolean;
  /** The report says the failure is temporary (a delay notice, a 4XX). */
  temporary?: boolean;
  feedbackType?: string;
  /** Where the recipient and words were read (for --explain): the DSN, a family's reader. */
  source?: string;
}
