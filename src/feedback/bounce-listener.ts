// The inbound SMTP listener: where bounces, complaints and mailto unsubscribes arrive when
// the bounce domain's MX points at Aviso. It takes mail for the bounce domain only (anything
// else is refused at RCPT TO: this is not a relay), answers 250 only once the report has been
// applied, and a temporary 451 when that fails, so the sending server keeps the message and
// tries again: nothing is lost.
import { SMTPServer, type SMTPServerAddress } from 'smtp-server';
import type { Logger } from '../log.ts';

export interface BounceListenerOptions {
  host: string;
  port: number;
  domain: string;
  /** Largest message taken (bounces quote the original, attachments and all). */
  maxBytes?: number;
  handle: (raw: Buffer, recipients: string[]) => Promise<unknown>;
  log: Logger;
}

export interface BounceListener {
  port: number;
  close(): Promise<void>;
}

export async function startBounceListener(options: BounceListenerOptions): Promise<BounceListener> {
  const maxBytes = options.maxBytes ?? 25 * 1024 * 1024;
  const domain = options.domain.toLowerCase();
  const server = new SMTPServer({
    name: domain,
    banner: 'Aviso bounce processor',
    authOptional: true,
    disabledCommands: ['AUTH'],
    logger: false,
    size: maxBytes,
    // Bounces have a null sender (MAIL FROM:<>): smtp-server accepts it.
    onRcptTo(address: SMTPServerAddress, _session, callback) {
      const at = address.address.lastIndexOf('@');
      if (at < 0 || address.address.slice(at + 1).toLowerCase() !== domain) {
        return callback(
          Object.assign(new Error(`5.7.1 <${address.address}>: relay access denied, only @${domain}`), {
            responseCode: 550,
          }),
        );
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if ((stream as unknown as { sizeExceeded?: boolean }).sizeExceeded) {
          return callback(Object.assign(new Error('5.3.4 message too big'), { responseCode: 552 }));
        }
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        options.handle(Buffer.concat(chunks), recipients).then(
          () => callback(),
          (err: unknown) => {
            options.log.error({ err, recipients }, 'inbound mail could not be processed; asked to retry');
            callback(Object.assign(new Error('4.3.0 try again later'), { responseCode: 451 }));
          },
        );
      });
    },
  });
  server.on('error', (err) => options.log.warn({ err }, 'bounce listener connection error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  options.log.info({ port, domain }, 'bounce listener started');
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
