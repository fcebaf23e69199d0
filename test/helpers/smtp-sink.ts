// A real SMTP server (smtp-server) that keeps what it receives. `reply` lets a test answer
// each delivery with an error, to exercise retries and bounces; `replyDelayMs` makes it slow.
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
  /** MAIL FROM carried the SMTPUTF8 parameter (RFC 6531). */
  smtpUtf8: boolean;
  /** The queue id the 250 answer gave ("Q3"). */
  queueId: string;
}

type SinkReply = (mail: { to: string[]; attempt: number }) => { code: number; message: string } | undefined;

export interface SmtpSink {
  port: number;
  url: string;
  received: ReceivedMail[];
  /** Every MAIL FROM and RCPT TO line clients sent, as on the wire (smtp-server decodes IDNs). */
  commands: string[];
  /** Called at DATA end; return an error to refuse the message. */
  reply?: SinkReply;
  /** Called at RCPT TO; return an error to refuse the recipient. */
  rcpt?: (address: string) => { code: number; message: string } | undefined;
  /** How long the server waits after the data before it answers (and keeps the message). */
  replyDelayMs?: number;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** `hideSmtpUtf8`: the server does not offer SMTPUTF8 (as many relays still do not). */
export async function startSmtpSink(options: { hideSmtpUtf8?: boolean } = {}): Promise<SmtpSink> {
  let attempts = 0;
  const sink: SmtpSink = {
    port: 0,
    url: '',
    received: [],
    commands: [],
    async waitFor(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (sink.received.length < count) {
        if (Date.now() > deadline) throw new Error(`sink got ${sink.received.length} of ${count} messages`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return sink.received;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    hideSMTPUTF8: options.hideSmtpUtf8 ?? false,
    logger: false,
    size: 50 * 1024 * 1024,
    onRcptTo(address, _session, callback) {
      const refusal = sink.rcpt?.(address.address);
      if (refusal) return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
      callback();
    },
    onData(stream, session: SMTPServerSession, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => (sink.replyDelayMs ? setTimeout(answer, sink.replyDelayMs) : answer()));
      const answer = () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        attempts++;
        const refusal = sink.reply?.({ to, attempt: attempts });
        if (refusal)
          return callback(Object.assign(new Error(refusal.message), { responseCode: refusal.code }));
        const queueId = `Q${attempts}`;
        sink.received.push({
          queueId,
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to,
          raw: Buffer.concat(chunks),
          smtpUtf8: Boolean(
            session.envelope.mailFrom &&
              (session.envelope.mailFrom.args as Record<string, unknown>)?.SMTPUTF8,
          ),
        });
        callback(null, `Ok: queued as ${queueId}`);
      };
    },
  });
  server.server.on('connection', (socket: import('node:net').Socket) => {
    let pending = '';
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\r\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (/^(MAIL FROM|RCPT TO):/i.test(line)) sink.commands.push(line);
    });
  });
  // A client that vanishes (a killed worker) resets its connections; a real server carries on.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  sink.port = typeof address === 'object' && address ? address.port : 0;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  return sink;
}
