// Sends through an SMTP relay with pooled connections. High-priority messages get a pool of
// their own, so a 2FA code never waits in nodemailer's queue behind bulk sends. A relay that a
// project configured is reached only at an address the destination guard vetted.
import net from 'node:net';
import nodemailer, { type Transporter } from 'nodemailer';
import type { SMTPPoolOptions, SMTPPoolSentMessageInfo } from 'nodemailer/lib/smtp-pool/index.js';
import {
  type DestinationPolicy,
  DestinationRefused,
  foreignSnippet,
  pinnedLookup,
  snippetChars,
  vetHost,
} from '../../net/index.ts';
import {
  type EmailProvider,
  type OutgoingEmail,
  PermanentError,
  refusedDestination,
  type SendResult,
  TransientError,
} from '../index.ts';
import { needsSmtpUtf8 } from './address.ts';
import { envelopeOf, mailOptions } from './compose.ts';
import { ehloExtensions } from './ehlo-probe.ts';
import { classifySmtpFailure, type SmtpFailure } from './smtp-errors.ts';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string;
  password?: string;
  /** Connections for normal and low priority. */
  pool: number;
  /** Connections kept for high priority. */
  urgentPool: number;
  /** false accepts self-signed certificates (local relays, tests). */
  verifyTls: boolean;
}

/** Reads smtp://user:pass@host:port?pool=5&urgent_pool=2&verify_tls=false (smtps:// for implicit TLS). */
export function parseSmtpUrl(url: string): SmtpSettings {
  const u = new URL(url);
  const secure = u.protocol === 'smtps:';
  const number = (name: string, fallback: number) => {
    const raw = u.searchParams.get(name);
    const n = raw === null ? fallback : Number(raw);
    if (!Number.isInteger(n) || n < 1 || n > 100)
      throw new Error(`${name} in the SMTP URL must be a whole number from 1 to 100`);
    return n;
  };
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : secure ? 465 : 587,
    secure,
    ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    pool: number('pool', 5),
    urgentPool: number('urgent_pool', 2),
    verifyTls: u.searchParams.get('verify_tls') !== 'false',
  };
}

const connectionTimeoutMs = 30_000;
/** How long what a relay offers (EHLO) is trusted before it is asked again. */
const capabilityTtlMs = 10 * 60_000;

export class SmtpProvider implements EmailProvider {
  readonly name = 'smtp';
  private readonly bulk: Transporter<SMTPPoolSentMessageInfo>;
  private readonly urgent: Transporter<SMTPPoolSentMessageInfo>;

  /**
   * `destinations`: what a project's relay may resolve to; null for the installation's own
   * relay (AVISO_SMTP_URL), which the operator chose: a relay on 127.0.0.1 is normal there.
   */
  /** Whether the relay offers SMTPUTF8, asked once per `capabilityTtlMs`. */
  private smtpUtf8: { offered: Promise<boolean>; until: number } | undefined;

  constructor(
    private readonly settings: SmtpSettings,
    private readonly destinations: DestinationPolicy | null,
  ) {
    const base = (maxConnections: number): SMTPPoolOptions => ({
      pool: true,
      maxConnections,
      maxMessages: Number.POSITIVE_INFINITY,
      host: settings.host,
      port: settings.port,
      secure: settings.secure,
      ...(settings.user ? { auth: { user: settings.user, pass: settings.password ?? '' } } : {}),
      tls: { rejectUnauthorized: settings.verifyTls },
      connectionTimeout: connectionTimeoutMs,
      greetingTimeout: 30_000,
      socketTimeout: 120_000,
      ...(destinations ? { getSocket: vettedSocket(settings, destinations) } : {}),
    });
    this.bulk = nodemailer.createTransport(base(settings.pool));
    this.urgent = nodemailer.createTransport(base(settings.urgentPool));
  }

  async send(message: OutgoingEmail): Promise<SendResult> {
    const transport = message.priority === 'high' ? this.urgent : this.bulk;
    try {
      const options = mailOptions(message);
      const envelope = envelopeOf(message);
      if ([envelope.from, ...envelope.to].some(needsSmtpUtf8)) await this.requireSmtpUtf8(envelope);
      const info = await transport.sendMail(options);
      const response = foreignSnippet(String(info.response ?? ''), snippetChars.smtp);
      return { providerMessageId: queueId(response), response };
    } catch (err) {
      if (err instanceof DestinationRefused) throw refusedDestination('SMTP relay', err);
      if (err instanceof PermanentError || err instanceof TransientError) throw err;
      throw classifySmtpFailure(err as SmtpFailure);
    }
  }

  /**
   * An address with a non-ASCII local part goes only to a relay that offers SMTPUTF8 (nodemailer
   * then uses it); to one that does not, the message fails with the reason, never garbled.
   */
  private async requireSmtpUtf8(envelope: { from: string; to: string[] }): Promise<void> {
    if (!this.smtpUtf8 || this.smtpUtf8.until < Date.now()) {
      const offered = ehloExtensions({
        host: this.settings.host,
        secure: this.settings.secure,
        verifyTls: this.settings.verifyTls,
        connect: () => connectToRelay(this.settings, this.destinations),
      }).then((extensions) => extensions.includes('SMTPUTF8'));
      this.smtpUtf8 = { offered, until: Date.now() + capabilityTtlMs };
      offered.catch(() => {
        this.smtpUtf8 = undefined;
      });
    }
    let offered: boolean;
    try {
      offered = await this.smtpUtf8.offered;
    } catch (err) {
      if (err instanceof DestinationRefused) throw err;
      throw new TransientError(`Could not ask the SMTP relay for its extensions: ${(err as Error).message}`);
    }
    if (offered) return;
    const address = [envelope.from, ...envelope.to].find(needsSmtpUtf8);
    const reason = `The address ${address} has a non-ASCII local part, which needs SMTPUTF8 (RFC 6531), and the relay ${this.settings.host} does not offer it.`;
    throw new PermanentError(reason, 'failure', { response: reason });
  }

  async close(): Promise<void> {
    this.bulk.close();
    this.urgent.close();
  }
}

/** The relay's queue id from replies such as "250 2.0.0 Ok: queued as 4Bx2Lk0zXz". */
function queueId(response: string): string | null {
  return (
    /queued as ([\w.-]+)/i.exec(response)?.[1] ??
    /^250 [\d.]*\s*(?:ok\s+)?<?([\w.@-]{6,})>?$/i.exec(response)?.[1] ??
    null
  );
}

/**
 * A TCP connection to the relay. For a project's relay (`destinations` given) the host is
 * vetted first and the connection goes to the vetted address; the host name stays the relay's,
 * so STARTTLS and implicit TLS check the certificate against it. A refusal is the guard's
 * DestinationRefused.
 */
async function connectToRelay(
  settings: SmtpSettings,
  destinations: DestinationPolicy | null,
): Promise<net.Socket> {
  const vetted = destinations ? await vetHost(settings.host, destinations) : null;
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: settings.host,
      port: settings.port,
      ...(vetted ? { lookup: pinnedLookup(vetted) } : {}),
    });
    const timer = setTimeout(
      () =>
        socket.destroy(
          Object.assign(new Error(`Connection to ${settings.host}:${settings.port} timed out`), {
            code: 'ETIMEDOUT',
          }),
        ),
      connectionTimeoutMs,
    );
    const failed = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', failed);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', failed);
      resolve(socket);
    });
  });
}

/** nodemailer's hook for opening each pooled connection to a project's relay. */
function vettedSocket(settings: SmtpSettings, destinations: DestinationPolicy): SMTPPoolOptions['getSocket'] {
  return (_options, callback) => {
    connectToRelay(settings, destinations).then(
      (socket) => callback(null, { connection: socket }),
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), undefined),
    );
  };
}
