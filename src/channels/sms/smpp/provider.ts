// SMPP v3.4 client for the SMS channel: segments go out as submit_sm within a window on the
// session's one bind (session.ts), most urgent first; receipts go to the receipt sink. It must
// never split a character across segments (splitSms decides them), never send a character the
// data coding cannot carry, and never answer a receipt as taken when the sink threw.
import type { PDU, PduOptions } from 'smpp';
import type { DestinationPolicy } from '../../../net/index.ts';
import {
  type OutgoingSms,
  PermanentError,
  type ReceiptSink,
  type SendResult,
  type SmsProvider,
  TransientError,
} from '../../index.ts';
import { segmentSms, splitSms } from '../encoding.ts';
import { type SessionSettings, type SmppLog, SmppSession } from './session.ts';
import { classifySubmitStatus } from './status.ts';
import { afterAcceptedSegments, segmentFields } from './submit.ts';

export interface SmppOptions {
  /** The SMSC's host name or address. */
  host: string;
  /** What host may resolve to (the destination guard); each connection goes to the vetted address. */
  destinations: DestinationPolicy;
  /** Usually 2775, or 3550 with TLS. */
  port: number;
  /** Connect over TLS. Default false. */
  tls?: boolean;
  /** system_id of bind_transceiver. */
  systemId: string;
  /** password of bind_transceiver (at most 9 characters in SMPP 3.4). */
  password: string;
  /** system_type of bind_transceiver. Default ''. */
  systemType?: string;
  /** Sender for messages that have none: an alphanumeric sender ID or an E.164 number. */
  from?: string;
  /** submit_sm awaiting their submit_sm_resp at once, per bind. Default 10. */
  window?: number;
  /** Seconds between enquire_link keep-alives; a link that leaves one unanswered until the next is dropped. Default 30. */
  enquireLinkSeconds?: number;
  /** How long a segment may wait for the bind, a window slot and its submit_sm_resp; also the limit to connect and bind. Default 30000. */
  submitTimeoutMs?: number;
  /** Delay before the first reconnection; each failed attempt doubles it (with jitter). Default 1000. */
  reconnectMinMs?: number;
  /** Longest delay between reconnections. Default 30000. */
  reconnectMaxMs?: number;
}

const defaults = {
  tls: false,
  systemType: '',
  window: 10,
  enquireLinkSeconds: 30,
  submitTimeoutMs: 30_000,
  reconnectMinMs: 1_000,
  reconnectMaxMs: 30_000,
};

const silentLog: SmppLog = { info() {}, warn() {}, error() {} };

/** Queue order: the next segment of a message already started, then high priority, then the rest. */
const ranks = { continuation: 0, high: 1, normal: 2, low: 2 } as const;

interface Submission {
  fields: PduOptions;
  rank: number;
  resolve(messageId: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class SmppProvider implements SmsProvider {
  readonly name = 'smpp';
  private readonly window: number;
  private readonly submitTimeoutMs: number;
  private readonly from: string | undefined;
  private readonly log: SmppLog;
  private readonly session: SmppSession;
  private readonly queue: Submission[] = [];
  private readonly inFlight = new Set<Submission>();
  private reference = Math.floor(Math.random() * 256);

  constructor(options: SmppOptions, onReceipt: ReceiptSink, log?: SmppLog) {
    const settings: SessionSettings = {
      host: options.host,
      destinations: options.destinations,
      port: options.port,
      tls: options.tls ?? defaults.tls,
      systemId: options.systemId,
      password: options.password,
      systemType: options.systemType ?? defaults.systemType,
      enquireLinkSeconds: options.enquireLinkSeconds ?? defaults.enquireLinkSeconds,
      submitTimeoutMs: options.submitTimeoutMs ?? defaults.submitTimeoutMs,
      reconnectMinMs: options.reconnectMinMs ?? defaults.reconnectMinMs,
      reconnectMaxMs: options.reconnectMaxMs ?? defaults.reconnectMaxMs,
    };
    this.window = options.window ?? defaults.window;
    this.submitTimeoutMs = settings.submitTimeoutMs;
    this.from = options.from;
    this.log = log ?? silentLog;
    this.session = new SmppSession(
      settings,
      {
        bound: () => this.pump(),
        dropped: () => this.failInFlight(),
        failed: (failure) => {
          for (const submission of this.queue) {
            clearTimeout(submission.timer);
            submission.reject(failure);
          }
          this.queue.length = 0;
        },
        receipts: onReceipt,
      },
      this.log,
    );
  }

  /**
   * Opens the session. Resolves once bound; rejects with why the attempt failed (a
   * ProviderDownError, or DestinationNotAllowedError for a refused host) while the provider
   * keeps trying in the background.
   */
  start(): Promise<void> {
    return this.session.start();
  }

  async send(message: OutgoingSms): Promise<SendResult> {
    const sender = message.from ?? this.from;
    if (!sender)
      throw new PermanentError(
        'No SMS sender: the message has none and the SMPP provider has no default "from"',
        'failure',
      );
    if (message.validUntil && message.validUntil.getTime() <= Date.now())
      throw new PermanentError('The message expired (validUntil) before it could be sent', 'failure');
    // The text decides: sending GSM-7 octets for a character outside GSM-7 would garble it, and
    // UCS-2 segments of a GSM-7 split would not fit. splitSms cuts for this same encoding.
    const { encoding } = segmentSms(message.text);
    if (encoding !== message.encoding)
      this.log.warn(
        { provider: this.name, messageId: message.id, projectId: message.projectId, encoding },
        `SMS encoding ${message.encoding} does not fit the text; sending ${encoding}`,
      );
    const parts = splitSms(message.text);
    if (parts.length === 0) throw new PermanentError('The SMS text is empty', 'failure');
    if (parts.length > 255)
      throw new PermanentError(`The SMS needs ${parts.length} segments; at most 255 fit a UDH`, 'failure');

    const reference = parts.length > 1 ? this.nextReference() : 0;
    const ids: string[] = [];
    for (const [index, fields] of segmentFields(message, sender, encoding, parts, reference).entries()) {
      try {
        ids.push(await this.submit(fields, index === 0 ? ranks[message.priority] : ranks.continuation));
      } catch (error) {
        throw afterAcceptedSegments(error, ids, parts.length);
      }
    }
    return {
      providerMessageId: ids[0] ?? null,
      segmentIds: ids,
      response: `submit_sm_resp OK, ${ids.length} segment${ids.length === 1 ? '' : 's'}`,
    };
  }

  /** Stops reconnecting, unbinds (briefly) and closes; sends still waiting fail with TransientError. */
  async close(): Promise<void> {
    if (this.session.closed) return;
    const closing = this.session.close();
    const error = () => new TransientError('The SMPP provider closed before the submit_sm_resp');
    for (const submission of [...this.queue, ...this.inFlight]) {
      clearTimeout(submission.timer);
      submission.reject(error());
    }
    this.queue.length = 0;
    this.inFlight.clear();
    await closing;
  }

  private submit(fields: PduOptions, rank: number): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.session.closed) return reject(new TransientError('The SMPP provider is closed'));
      const down = this.session.down;
      if (down) return reject(down);
      const submission: Submission = {
        fields,
        rank,
        resolve,
        reject,
        timer: setTimeout(() => this.timedOut(submission), this.submitTimeoutMs),
      };
      const after = this.queue.findIndex((queued) => queued.rank > rank);
      this.queue.splice(after < 0 ? this.queue.length : after, 0, submission);
      this.session.connectUnlessUnderway();
      this.pump();
    });
  }

  /** Sends queued submit_sm while the window has room. */
  private pump(): void {
    const link = this.session.link;
    if (!link) return;
    while (this.inFlight.size < this.window) {
      const next = this.queue.shift();
      if (!next) return;
      this.inFlight.add(next);
      if (!link.submit_sm(next.fields, (pdu) => this.answered(next, pdu))) {
        // The socket is going away; its close event fails what is in flight and reconnects.
        this.inFlight.delete(next);
        this.queue.unshift(next);
        return;
      }
    }
  }

  private answered(submission: Submission, pdu: PDU): void {
    // Gone already: timed out, or failed when the link dropped.
    if (!this.inFlight.delete(submission)) return;
    clearTimeout(submission.timer);
    if (pdu.command_status === 0) submission.resolve(pdu.message_id ?? '');
    else submission.reject(classifySubmitStatus(pdu.command_status));
    this.pump();
  }

  private timedOut(submission: Submission): void {
    const ms = this.submitTimeoutMs;
    const queued = this.queue.indexOf(submission);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      submission.reject(
        new TransientError(
          this.session.link ? `No room in the SMPP window within ${ms} ms` : `No SMPP bind within ${ms} ms`,
        ),
      );
    } else if (this.inFlight.delete(submission)) {
      // The slot is freed: an SMSC that never answers must not stall the window for good.
      submission.reject(new TransientError(`No submit_sm_resp within ${ms} ms; the SMSC may have taken it`));
      this.pump();
    }
  }

  private failInFlight(): void {
    for (const submission of this.inFlight) {
      clearTimeout(submission.timer);
      submission.reject(
        new TransientError('The SMPP link dropped before the submit_sm_resp; the SMSC may have taken it'),
      );
    }
    this.inFlight.clear();
  }

  private nextReference(): number {
    this.reference = (this.reference + 1) % 256;
    return this.reference;
  }
}
