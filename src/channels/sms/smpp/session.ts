// The SMPP session: one bind_transceiver with the SMSC, its host vetted at every connection,
// enquire_link keep-alives, and reconnection with backoff when the link drops or an attempt
// fails. It never sends a submit_sm itself (the provider's window does) and never keeps a
// link whose keep-alive went unanswered.
import smpp, { type PDU, type Session } from 'smpp';
import {
  type DestinationPolicy,
  DestinationRefused,
  pinnedLookup,
  type VettedAddress,
  vetHost,
} from '../../../net/index.ts';
import {
  type PermanentError,
  ProviderDownError,
  type ReceiptSink,
  refusedDestination,
  TransientError,
} from '../../index.ts';
import { answerDeliverSm } from './receipts.ts';
import { describeStatus, hexStatus } from './status.ts';

/** What the provider logs with: a pino logger fits. */
export interface SmppLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/** Why a connection attempt failed: the SMSC is down, or its host is not allowed (permanent). */
export type ConnectFailure = TransientError | PermanentError;

export interface SessionSettings {
  host: string;
  destinations: DestinationPolicy;
  port: number;
  tls: boolean;
  systemId: string;
  password: string;
  systemType: string;
  enquireLinkSeconds: number;
  /** Also the limit to connect and bind. */
  submitTimeoutMs: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
}

/** What the session tells the provider's window. */
export interface SessionEvents {
  /** Bound: submit_sm may go. */
  bound(): void;
  /** The link is gone: no answer will come for submit_sm in flight. */
  dropped(): void;
  /** A connection attempt failed: what waits for a bind fails with it. */
  failed(failure: ConnectFailure): void;
  /** Where receipts heard on the link go. */
  receipts: ReceiptSink;
}

interface Waiter {
  resolve(): void;
  reject(error: Error): void;
}

/** How long close() waits for unbind_resp and for the socket to close. */
const unbindTimeoutMs = 1_000;

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

export class SmppSession {
  private session: Session | null = null;
  private bound = false;
  private isClosed = false;
  /** Set while the SMSC cannot be reached, refuses the bind or is not allowed: sends fail at once. */
  private failure: ConnectFailure | null = null;
  /** The SMSC's host is being vetted before a connection. */
  private vetting = false;
  /** Connection attempts failed in a row. */
  private failures = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private keepAlive: NodeJS.Timeout | null = null;
  private startWaiters: Waiter[] = [];

  constructor(
    private readonly settings: SessionSettings,
    private readonly events: SessionEvents,
    private readonly log: SmppLog,
  ) {}

  get closed(): boolean {
    return this.isClosed;
  }

  /** Why the last attempt failed, while no bind has succeeded since. */
  get down(): ConnectFailure | null {
    return this.failure;
  }

  /** The bound link, or null. */
  get link(): Session | null {
    return this.bound ? this.session : null;
  }

  /** Resolves once bound; rejects with why the attempt failed (the session keeps trying). */
  start(): Promise<void> {
    if (this.isClosed) return Promise.reject(new TransientError('The SMPP provider is closed'));
    if (this.bound) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.startWaiters.push({ resolve, reject });
      this.connectUnlessUnderway();
    });
  }

  connectUnlessUnderway(): void {
    if (!this.isClosed && !this.session && !this.reconnectTimer && !this.vetting) this.connect();
  }

  /** Stops reconnecting, unbinds (briefly) and closes. Marked closed at once, before it resolves. */
  async close(): Promise<void> {
    this.isClosed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.stopKeepAlive();
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

  /** Vets the SMSC's host (again at every connection: DNS may have changed), then connects. */
  private connect(): void {
    this.reconnectTimer = null;
    this.vetting = true;
    vetHost(this.settings.host, this.settings.destinations).then(
      (vetted) => {
        this.vetting = false;
        if (!this.isClosed) this.open(vetted);
      },
      (error: unknown) => {
        this.vetting = false;
        if (this.isClosed) return;
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
          { provider: 'smpp', host, port, systemId, errorCode, alert: true },
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
    session.on(
      'deliver_sm',
      (pdu: PDU) => void answerDeliverSm(session, pdu, this.events.receipts, this.log),
    );
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
    this.failure = null;
    this.failures = 0;
    this.log.info({ provider: 'smpp', host, port, systemId }, 'SMPP bound');
    this.startKeepAlive(session);
    this.settleStart(null);
    this.events.bound();
  }

  /** The link is gone: after a bind, a loss to reconnect from; before it, a failed attempt. */
  private onClosed(attemptFailure: ConnectFailure): void {
    const { host, port } = this.settings;
    const wasBound = this.bound;
    this.session = null;
    this.bound = false;
    this.stopKeepAlive();
    this.events.dropped();
    if (this.isClosed) return;
    if (wasBound) {
      this.log.warn({ provider: 'smpp', host, port }, 'SMPP link lost; reconnecting');
    } else {
      this.failures++;
      this.failure = attemptFailure;
      this.log.warn({ provider: 'smpp', host, port, err: attemptFailure.message }, 'SMPP connection failed');
      this.events.failed(attemptFailure);
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
        this.log.warn({ provider: 'smpp' }, 'No enquire_link_resp from the SMSC; dropping the link');
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
}
