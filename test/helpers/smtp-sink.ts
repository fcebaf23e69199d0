// A real SMTP server (smtp-server) that keeps what it receives. `reply` lets a test answer
// each delivery with an error, to exercise retries and bounces; `replyDelayMs` makes it slow.
import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  raw: Buffer;
}

export type SinkReply = (mail: {
  to: string[];
  attempt: number;
}) => { code: number; message: string } | undefined;

export interface SmtpSink {
  port: number;
  url: string;
  received: ReceivedMail[];
  /** Called at DATA end; return an error to refuse the message. */
  reply?: SinkReply;
  /** Called at RCPT TO; return an error to refuse the recipient. */
  rcpt?: (address: string) => { code: number; message: string } | undefined;
  /** How long the server waits after the data before it answers (and keeps the message). */
  replyDelayMs?: number;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  let attempts = 0;
  const sink: SmtpSink = {
    port: 0,
    url: '',
    received: [],
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
        sink.received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to,
          raw: Buffer.concat(chunks),
        });
        callback(null, `Ok: queued as Q${attempts}`);
      };
    },
  });
  // A client that vanishes (a killed worker) resets its connections; a real server carries on.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.server.address();
  sink.port = typeof address === 'object' && address ? address.port : 0;
  sink.url = `smtp://127.0.0.1:${sink.port}`;
  return sink;
}
