// SMPP v3.4 client for the SMS channel: one persistent bind_transceiver session, submit_sm within
// a window, delivery receipts from deliver_sm handed to the receipt sink. It must never split a
// character across segments (splitSms decides them), never send a character the data coding
// cannot carry, and never answer a receipt as taken when the sink threw.
import smpp, { type DecodedMessage, type PDU, type PduOptions, type Session } from 'smpp';
import {
  type DestinationPolicy,
  DestinationRefused,
  pinnedLookup,
  type VettedAddress,
  vetHost,
} from '../../net/index.ts';
import {
  type OutgoingSms,
  PermanentError,
  ProviderDownError,
  type ProviderReceipt,
  type ReceiptSink,
  refusedDestination,
  type SendResult,
  type SmsProvider,
  TransientError,
} from '../provider.ts';
import { type SmsEncoding, segmentSms, splitSms } from './encoding.ts';

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

/** What the provider logs with: a pino logger fits. */
export interface SmppLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
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

/** Why a connection attempt failed: the SMSC is down, or its host is not allowed (permanent). */
type ConnectFailure = TransientError | PermanentError;

/** How long close() waits for unbind_resp and for the socket to close. */
const unbindTimeoutMs = 1_000;
/** What ESME_RTHROTTLED asks: the SMSC gives no time, a second is what most of them mean. */
const throttledRetryAfterMs = 1_000;

const silentLog: SmppLog = { info() {}, warn() {}, error() {} };

const statusNames = new Map(Object.entries(smpp.errors).map(([name, code]) => [code, name]));

/** "0x0B": the form SMSC documentation and FailureDetails.errorCode use. */
function hexStatus(status: number): string {
  return `0x${status.toString(16).toUpperCase().padStart(2, '0')}`;
}

function describeStatus(status: number): string {
  return `${hexStatus(status)} ${statusNames.get(status) ?? 'unknown status'}`;
}

/** What a non-zero submit_sm_resp command_status means for the message (SMPP 3.4 §5.1.3). */
export function classifySubmitStatus(status: number): TransientError | PermanentError {
  const errorCode = hexStatus(status);
  const response = `submit_sm_resp ${describeStatus(status)}`;
  switch (status) {
    case 0x58:
      return new TransientError(`The SMSC throttled the submit_sm (${describeStatus(status)})`, {
        errorCode,
        response,
        retryAfterMs: throttledRetryAfterMs,
      });
    // The SMSC's queue is full, it failed, or it does not see our bind: nothing is wrong with the message.
    case 0x04:
    case 0x08:
    case 0x14:
      return new TransientError(`The SMSC could not take the submit_sm (${describeStatus(status)})`, {
        errorCode,
        response,
      });
    case 0x0b:
      return new PermanentError(`The SMSC refused the destination (${describeStatus(status)})`, 'bounce', {
        errorCode,
        response,
      });
    default:
      return new PermanentError(`The SMSC refused the submit_sm (${describeStatus(status)})`, 'failure', {
        errorCode,
        response,
      });
  }
}

/** The fields of a delivery receipt's text (SMPP 3.4 Appendix B); null when the text has no id. */
export interface DeliveryReceiptText {
  id: string;
  sub: string | null;
  dlvrd: string | null;
  submitDate: Date | null;
  doneDate: Date | null;
  /** Upper case: DELIVRD, EXPIRED, DELETED, UNDELIV, ACCEPTD, UNKNOWN, REJECTD, ENROUTE. */
  stat: string | null;
  err: string | null;
  text: string | null;
}

/** YYMMDDhhmm, or YYMMDDhhmmss as some SMSCs write it; read as UTC. */
function receiptDate(value: string | null): Date | null {
  const match = value ? /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?$/.exec(value) : null;
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const date = new Date(Date.UTC(2000 + year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 31 February over into March: such a date is not one.
  const valid =
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return valid ? date : null;
}

/**
 * Reads `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`. Keys are matched
 * without regard to case and in any order; `text:` comes last and may hold anything, so the
 * fields are looked for only before it.
 */
export function parseDeliveryReceipt(text: string): DeliveryReceiptText | null {
  const textStart = text.search(/(?:^|\s)text:/i);
  const head = textStart >= 0 ? text.slice(0, textStart) : text;
  const field = (key: string) => new RegExp(`(?:^|\\s)${key}:(\\S*)`, 'i').exec(head)?.[1] || null;
  const id = field('id');
  if (!id) return null;
  return {
    id,
    sub: field('sub'),
    dlvrd: field('dlvrd'),
    submitDate: receiptDate(field('submit[ _]date')),
    doneDate: receiptDate(field('done[ _]date')),
    stat: field('stat')?.toUpperCase() ?? null,
    err: field('err'),
    text: textStart >= 0 ? text.slice(textStart).replace(/^\s*text:/i, '') : null,
  };
}

const receiptOutcomes: Record<string, Pick<ProviderReceipt, 'status' | 'permanent'>> = {
  DELIVRD: { status: 'delivered' },
  EXPIRED: { status: 'expired' },
  UNDELIV: { status: 'failed', permanent: true },
  REJECTD: { status: 'failed', permanent: true },
  DELETED: { status: 'failed', permanent: false },
};

/** Not final yet: such receipts change nothing. */
const pendingStats = new Set(['ACCEPTD', 'ENROUTE', 'UNKNOWN', 'SCHEDULED']);

/** message_state TLV values (SMPP 3.4 §5.2.28) as the stat words of the receipt text. */
const messageStates: Record<number, string> = {
  0: 'SCHEDULED',
  1: 'ENROUTE',
  2: 'DELIVRD',
  3: 'EXPIRED',
  4: 'DELETED',
  5: 'UNDELIV',
  6: 'ACCEPTD',
  7: 'UNKNOWN',
  8: 'REJECTD',
};

/** The ProviderReceipt for a final stat; null for pending and unknown stat words. */
export function toProviderReceipt(
  receipt: { id: string; stat: string; err: string | null; doneDate: Date | null },
  receivedAt: Date,
): ProviderReceipt | null {
  const stat = receipt.stat.toUpperCase();
  const outcome = receiptOutcomes[stat];
  if (!outcome) return null;
  return {
    providerMessageId: receipt.id,
    ...outcome,
    at: receipt.doneDate ?? receivedAt,
    providerStatus: stat,
    ...(receipt.err ? { errorCode: receipt.err } : {}),
  };
}

/**
 * The ids a receipt's id may have been given as at submit time, the id itself first: SMSCs
 * answer submit_sm in decimal and write receipts in hex, or the reverse. Digits only: the id is
 * read as decimal and its hex forms follow, lower and upper case, bare and zero-padded to 8
 * digits (32-bit ids are often printed at that width), then its decimal form without leading
 * zeros. Hex with a letter: its decimal form follows. Anything else: the id alone. Forms can
 * name another message ("16" is hex "10"): prefer a match on an earlier form.
 */
export function receiptIdForms(id: string): string[] {
  const forms = [id];
  if (/^\d+$/.test(id)) {
    const value = BigInt(id);
    const hex = value.toString(16);
    forms.push(
      hex,
      hex.toUpperCase(),
      hex.padStart(8, '0'),
      hex.toUpperCase().padStart(8, '0'),
      value.toString(),
    );
  } else if (/^[0-9a-f]+$/i.test(id)) {
    forms.push(BigInt(`0x${id}`).toString());
  }
  return [...new Set(forms)];
}

/** SMPP absolute time (§7.1.1) in UTC: YYMMDDhhmmss, tenths 0, offset "00+". */
export function smppAbsoluteTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes()) +
    two(date.getUTCSeconds()) +
    '000+'
  );
}

/** Wait before the next connection attempt: between half and all of min·2^failures, capped at max. */
export function reconnectDelayMs(
  failures: number,
  minMs: number,
  maxMs: number,
  random = Math.random,
): number {
  const ceiling = Math.min(maxMs, minMs * 2 ** failures);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

function sourceAddress(sender: string): PduOptions {
  if (/^\+?\d+$/.test(sender))
    return { source_addr_ton: 1, source_addr_npi: 1, source_addr: sender.replace('+', '') };
  return { source_addr_ton: 5, source_addr_npi: 0, source_addr: sender };
}

/** GSM 03.38 septets one per octet (the SMSC packs them), or UTF-16BE. */
function encodeText(text: string, encoding: SmsEncoding): Buffer {
  return encoding === 'GSM-7' ? smpp.gsmCoder.encode(text, 0) : Buffer.from(text, 'utf16le').swap16();
}

/** TS 23.040 §9.2.3.24.1: concatenated short message, 8-bit reference. */
function concatenationHeader(reference: number, total: number, sequence: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, reference, total, sequence]);
}

function decodedText(message: DecodedMessage | undefined): string {
  if (!message) return '';
  return typeof message.message === 'string' ? message.message : message.message.toString('latin1');
}

/** Queue order: the next segment of a message already started, then high priority, then the rest. */
const ranks = { continuation: 0, high: 1, normal: 2, low: 2 } as const;

interface Submission {
  fields: PduOptions;
  rank: number;
  resolve(messageId: string): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/** Rebuilds a segment's error so that it says how much of the message went out. */
function afterAcceptedSegments(error: unknown, accepted: string[], total: number): unknown {
  if (!(error instanceof TransientError || error instanceof PermanentError) || accepted.length === 0)
    return error;
  const note = `${accepted.length} of ${total} segments accepted (${accepted.join(', ')}) before segment ${accepted.length + 1} failed`;
  const message = `${error.message}; ${note}`;
  const details = { ...error.details, response: `${error.details.response ?? error.message}; ${note}` };
  if (error instanceof PermanentError) return new PermanentError(message, error.kind, details);
  if (error instanceof ProviderDownError) return new ProviderDownError(message, details);
  return new TransientError(message, details);
}

export class SmppProvider implements SmsProvider {
  readonly name = 'smpp';
  private readonly settings: Required<Omit<SmppOptions, 'from'>> & { from: string | undefined };
  private readonly log: SmppLog;
  private session: Session | null = null;
  private bound = false;
  private closed = false;
  /** Set while the SMSC cannot be reached, refuses the bind or is not allowed: sends fail at once. */
  private down: ConnectFailure | null = null;
  /** The SMSC's host is being vetted before a connection. */
  private vetting = false;
  /** Connection attempts failed in a row. */
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private readonly queue: Submission[] = [];
  private readonly inFlight = new Set<Submission>();
  private startWaiters: Waiter[] = [];
  private reference = Math.floor(Math.random() * 256);

  constructor(
    options: SmppOptions,
    private readonly onReceipt: ReceiptSink,
    log?: SmppLog,
  ) {
    this.settings = {
      host: options.host,
      destinations: options.destinations,
      port: options.port,
      tls: options.tls ?? defaults.tls,
      systemId: options.systemId,
      password: options.password,
      systemType: options.systemType ?? defaults.systemType,
      from: options.from,
      window: options.window ?? defaults.window,
      enquireLinkSeconds: options.enquireLinkSeconds ?? defaults.enquireLinkSeconds,
      submitTimeoutMs: options.submitTimeoutMs ?? defaults.submitTimeoutMs,
      reconnectMinMs: options.reconnectMinMs ?? defaults.reconnectMinMs,
      reconnectMaxMs: options.reconnectMaxMs ?? defaults.reconnectMaxMs,
    };
    this.log = log ?? silentLog;
  }

  /**
   * Opens the session. Resolves once bound; rejects with why the attempt failed (a
   * ProviderDownError, or DestinationNotAllowedError for a refused host) while the provider
   * keeps trying in the background.
   */
  start(): Promise<void> {
    if (this.closed) return Promise.reject(new TransientError('The SMPP provider is closed'));
    if (this.bound) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.startWaiters.push({ resolve, reject });
      this.connectUnlessUnderway();
    });
  }

  async send(message: OutgoingSms): Promise<SendResult> {
    const sender = message.from ?? this.settings.from;
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

    const common: PduOptions = {
      ...sourceAddress(sender),
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      destination_addr: message.to.replace('+', ''),
      registered_delivery: 1,
      data_coding: encoding === 'GSM-7' ? 0 : 8,
      validity_period: message.validUntil ? smppAbsoluteTime(message.validUntil) : '',
    };
    const reference = parts.length > 1 ? this.nextReference() : 0;
    const ids: string[] = [];
    for (const [index, part] of parts.entries()) {
      const text = encodeText(part, encoding);
      const fields: PduOptions =
        parts.length === 1
          ? { ...common, esm_class: 0, short_message: text }
          : {
              ...common,
              esm_class: 0x40,
              short_message: Buffer.concat([concatenationHeader(reference, parts.length, index + 1), text]),
            };
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
    if (this.closed) return;
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopKeepAlive();
    const closing = () => new TransientError('The SMPP provider closed before the submit_sm_resp');
    for (const submission of [...this.queue, ...this.inFlight]) {
      clearTimeout(submission.timer);
      submission.reject(closing());
    }
    this.queue.length = 0;
    this.inFlight.clear();
    this.settleStart(new TransientError('The SMPP provider closed before it was bound'));
    const session = this.session;
    const wasBound = this.bound;
    this.session = null;
    this.bound = false;
    if (!session) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        session.destroy();
        resolve();
      }, unbindTimeoutMs);
      session.on('close', () => {
        clearTimeout(timer);
        resolve();
      });
      if (!(wasBound && session.unbind({}, () => session.close()))) session.destroy();
    });
  }

  private submit(fields: PduOptions, rank: number): Promise<string> {
    return new Promise((resolve, reject) => {
      if (this.closed) return reject(new TransientError('The SMPP provider is closed'));
      if (this.down) return reject(this.down);
      const submission: Submission = {
        fields,
        rank,
        resolve,
        reject,
        timer: setTimeout(() => this.timedOut(submission), this.settings.submitTimeoutMs),
      };
      const after = this.queue.findIndex((queued) => queued.rank > rank);
      this.queue.splice(after < 0 ? this.queue.length : after, 0, submission);
      this.connectUnlessUnderway();
      this.pump();
    });
  }

  /** Sends queued submit_sm while the window has room. */
  private pump(): void {
    const session = this.session;
    if (!session || !this.bound) return;
    while (this.inFlight.size < this.settings.window) {
      const next = this.queue.shift();
      if (!next) return;
      this.inFlight.add(next);
      if (!session.submit_sm(next.fields, (pdu) => this.answered(next, pdu))) {
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
    const ms = this.settings.submitTimeoutMs;
    const queued = this.queue.indexOf(submission);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      submission.reject(
        new TransientError(
          this.bound ? `No room in the SMPP window within ${ms} ms` : `No SMPP bind within ${ms} ms`,
        ),
      );
    } else if (this.inFlight.delete(submission)) {
      // The slot is freed: an SMSC that never answers must not stall the window for good.
      submission.reject(new TransientError(`No submit_sm_resp within ${ms} ms; the SMSC may have taken it`));
      this.pump();
    }
  }

  private nextReference(): number {
    this.reference = (this.reference + 1) % 256;
    return this.reference;
  }

  private connectUnlessUnderway(): void {
    if (!this.closed && !this.session && !this.reconnectTimer && !this.vetting) this.connect();
  }

  /** Vets the SMSC's host (again at every connection: DNS may have changed), then connects. */
  private connect(): void {
    this.reconnectTimer = null;
    this.vetting = true;
    vetHost(this.settings.host, this.settings.destinations).then(
      (vetted) => {
        this.vetting = false;
        if (!this.closed) this.open(vetted);
      },
      (error: unknown) => {
        this.vetting = false;
        if (this.closed) return;
        if (error instanceof DestinationRefused) this.onClosed(refusedDestination('SMSC', error));
        else this.onClosed(this.connectFailure(error instanceof Error ? error : null));
      },
    );
  }

  private open(vetted: VettedAddress): void {
    const { host, port, tls, systemId, password, systemType, submitTimeoutMs } = this.settings;
    // The host name stays for the TLS name check; the connection goes to the vetted address.
    const session = smpp.connect({ host, port, tls, lookup: pinnedLookup(vetted) });
    // PDUs are small and pipelined: Nagle's algorithm would hold each one back until the
    // previous was acknowledged, and the window would never fill.
    session.socket.setNoDelay(true);
    this.session = session;
    let failure: ConnectFailure | null = null;
    let socketError: Error | null = null;
    const bindTimer = setTimeout(() => {
      failure = new ProviderDownError(`No SMPP bind with ${host}:${port} within ${submitTimeoutMs} ms`);
      session.destroy();
    }, submitTimeoutMs);

    session.on(tls ? 'secureConnect' : 'connect', () => {
      session.bind_transceiver({ system_id: systemId, password, system_type: systemType }, (pdu) => {
        clearTimeout(bindTimer);
        if (this.session !== session) return;
        if (pdu.command_status === 0) return this.onBound(session);
        const errorCode = hexStatus(pdu.command_status);
        failure = new ProviderDownError(`The SMSC refused the bind: ${describeStatus(pdu.command_status)}`, {
          errorCode,
          response: `bind_transceiver_resp ${describeStatus(pdu.command_status)}`,
        });
        this.log.error(
          { provider: this.name, host, port, systemId, errorCode, alert: true },
          `SMSC refused the SMPP bind (${describeStatus(pdu.command_status)}): check the credentials; retrying`,
        );
        session.destroy();
      });
    });
    session.on('error', (error) => {
      socketError = error;
      // The package stops reading after a PDU it cannot parse: only a new link recovers.
      session.destroy();
    });
    session.on('close', () => {
      clearTimeout(bindTimer);
      if (this.session !== session) return;
      this.onClosed(failure ?? this.connectFailure(socketError));
    });
    session.on('deliver_sm', (pdu) => void this.onDeliverSm(session, pdu));
    session.on('enquire_link', (pdu) => session.send(pdu.response()));
    session.on('unbind', (pdu) => {
      session.send(pdu.response());
      session.close();
    });
  }

  private connectFailure(error: Error | null): ProviderDownError {
    const { host, port } = this.settings;
    return new ProviderDownError(
      `Could not connect to the SMSC at ${host}:${port}${error ? `: ${error.message}` : ''}`,
    );
  }

  private onBound(session: Session): void {
    const { host, port, systemId } = this.settings;
    this.bound = true;
    this.down = null;
    this.failures = 0;
    this.log.info({ provider: this.name, host, port, systemId }, 'SMPP bound');
    this.startKeepAlive(session);
    this.settleStart(null);
    this.pump();
  }

  /** The link is gone: after a bind, a loss to reconnect from; before it, a failed attempt. */
  private onClosed(attemptFailure: ConnectFailure): void {
    const { host, port } = this.settings;
    const wasBound = this.bound;
    this.session = null;
    this.bound = false;
    this.stopKeepAlive();
    for (const submission of this.inFlight) {
      clearTimeout(submission.timer);
      submission.reject(
        new TransientError('The SMPP link dropped before the submit_sm_resp; the SMSC may have taken it'),
      );
    }
    this.inFlight.clear();
    if (this.closed) return;
    if (wasBound) {
      this.log.warn({ provider: this.name, host, port }, 'SMPP link lost; reconnecting');
    } else {
      this.failures++;
      this.down = attemptFailure;
      this.log.warn(
        { provider: this.name, host, port, err: attemptFailure.message },
        'SMPP connection failed',
      );
      for (const submission of this.queue) {
        clearTimeout(submission.timer);
        submission.reject(attemptFailure);
      }
      this.queue.length = 0;
      this.settleStart(attemptFailure);
    }
    const delay = reconnectDelayMs(this.failures, this.settings.reconnectMinMs, this.settings.reconnectMaxMs);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private settleStart(error: Error | null): void {
    const waiters = this.startWaiters;
    this.startWaiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private startKeepAlive(session: Session): void {
    let unanswered = false;
    this.keepAlive = setInterval(() => {
      if (unanswered) {
        this.log.warn({ provider: this.name }, 'No enquire_link_resp from the SMSC; dropping the link');
        session.destroy();
        return;
      }
      unanswered = true;
      session.enquire_link({}, () => {
        unanswered = false;
      });
    }, this.settings.enquireLinkSeconds * 1000);
  }

  private stopKeepAlive(): void {
    if (this.keepAlive) clearInterval(this.keepAlive);
    this.keepAlive = null;
  }

  /**
   * Every deliver_sm is answered, a receipt once the sink has taken it (stored durably): one
   * the sink did not take asks the SMSC to send it again.
   */
  private async onDeliverSm(session: Session, pdu: PDU): Promise<void> {
    let status = 0;
    try {
      // §5.2.12: esm_class bits 2-5 give the message type; 0x04 is an SMSC delivery receipt.
      if ((pdu.esm_class ?? 0) & 0x04) await this.takeReceipt(pdu);
      else
        this.log.info(
          { provider: this.name, from: pdu.source_addr, to: pdu.destination_addr },
          'SMPP inbound SMS ignored',
        );
    } catch (error) {
      status = 0x64; // ESME_RX_T_APPN: a temporary error on our side, the SMSC retries.
      this.log.error(
        { provider: this.name, err: error },
        'SMPP receipt not taken; the SMSC will send it again',
      );
    }
    try {
      session.send(pdu.response({ command_status: status }));
    } catch (error) {
      // The session ended while the receipt was being stored: the SMSC sends it again.
      this.log.warn({ provider: this.name, err: error }, 'SMPP receipt answer not sent; session gone');
    }
  }

  private async takeReceipt(pdu: PDU): Promise<void> {
    const text = decodedText(pdu.short_message) || decodedText(pdu.message_payload);
    const parsed = text ? parseDeliveryReceipt(text) : null;
    // The TLVs are the spec's own fields; the text's format is only customary.
    const id = pdu.receipted_message_id || parsed?.id;
    const stat =
      (pdu.message_state === undefined ? undefined : messageStates[pdu.message_state]) ?? parsed?.stat;
    if (!id || !stat) {
      this.log.warn({ provider: this.name }, 'SMPP receipt without a message id or a stat; ignored');
      return;
    }
    const receipt = toProviderReceipt(
      { id, stat, err: parsed?.err ?? null, doneDate: parsed?.doneDate ?? null },
      new Date(),
    );
    if (receipt) await this.onReceipt([receipt]);
    else if (!pendingStats.has(stat))
      this.log.warn(
        { provider: this.name, providerMessageId: id, stat },
        'SMPP receipt with an unknown stat; ignored',
      );
  }
}
