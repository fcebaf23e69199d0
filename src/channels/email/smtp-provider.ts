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
import { type EmailProvider, type OutgoingEmail, refusedDestination, type SendResult } from '../index.ts';
import { mailOptions } from './compose.ts';
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

export class SmtpProvider implements EmailProvider {
  readonly name = 'smtp';
  private readonly bulk: Transporter<SMTPPoolSentMessageInfo>;
  private readonly urgent: Transporter<SMTPPoolSentMessageInfo>;

  /**
   * `destinations`: what a project's relay may resolve to; null for the installation's own
   * relay (AVISO_SMTP_URL), which the operator chose: a relay on 127.0.0.1 is normal there.
   */
  constructor(settings: SmtpSettings, destinations: DestinationPolicy | null) {
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
      const info = await transport.sendMail(mailOptions(message));
      const response = foreignSnippet(String(info.response ?? ''), snippetChars.smtp);
      return { providerMessageId: queueId(response), response };
    } catch (err) {
      if (err instanceof DestinationRefused) throw refusedDestination('SMTP relay', err);
      throw classifySmtpFailure(err as SmtpFailure);
    }
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
 * nodemailer's hook for opening each pooled connection: vet the relay's host, then connect to
 * the vetted address. The host name stays nodemailer's, so STARTTLS and implicit TLS check the
 * certificate against it. A refusal fails the send with the guard's DestinationRefused.
 */
function vettedSocket(settings: SmtpSettings, destinations: DestinationPolicy): SMTPPoolOptions['getSocket'] {
  return (_options, callback) => {
    vetHost(settings.host, destinations).then(
      (vetted) => {
        const socket = net.connect({
          host: settings.host,
          port: settings.port,
          lookup: pinnedLookup(vetted),
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
          callback(err, undefined);
        };
        socket.once('error', failed);
        socket.once('connect', () => {
          clearTimeout(timer);
          socket.removeListener('error', failed);
          callback(null, { connection: socket });
        });
      },
      (err: unknown) => callback(err instanceof Error ? err : new Error(String(err)), undefined),
    );
  };
}
