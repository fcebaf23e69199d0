// A loopback SMTP server that accepts everything and keeps nothing but counts and, for the
// recipients a scenario asks about, the time each message arrived. Unlike the test sink it
// does not buffer bodies: 100,000 messages would otherwise sit in memory.
import { SMTPServer } from 'smtp-server';

export interface BenchSink {
  url: string;
  /** Messages received completely (DATA ended) so far. */
  readonly received: number;
  /** Bytes of message data received so far. */
  readonly bytes: number;
  /** Called when a message has been received completely. */
  onMessage: (() => void) | undefined;
  /** performance.now() at the end of DATA, for recipients that `watch` matches. */
  readonly arrivals: Map<string, number>;
  /** Recipients for which to record arrival times (default: none). */
  watch: (address: string) => boolean;
  close(): Promise<void>;
}

export async function startBenchSink(): Promise<BenchSink> {
  let received = 0;
  let bytes = 0;
  let queueId = 0;
  const arrivals = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    size: 50 * 1024 * 1024,
    onData(stream, session, callback) {
      stream.on('end', () => {
        received++;
        const at = performance.now();
        sink.onMessage?.();
        for (const r of session.envelope.rcptTo) if (sink.watch(r.address)) arrivals.set(r.address, at);
        callback(null, `Ok: queued as B${++queueId}`);
      });
      stream.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const sink: BenchSink = {
    url: `smtp://127.0.0.1:${port}`,
    get received() {
      return received;
    },
    get bytes() {
      return bytes;
    },
    arrivals,
    watch: () => false,
    onMessage: undefined,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return sink;
}
