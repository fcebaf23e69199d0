// Asks an SMTP server which extensions it offers: connect, read the greeting, EHLO, QUIT
// (RFC 5321 §4.1.1.1). Used before the first message that needs an extension nodemailer would
// otherwise use silently or not at all (SMTPUTF8, RFC 6531). Never sends mail.
import type { Socket } from 'node:net';
import { hostname } from 'node:os';
import tls from 'node:tls';

export interface ProbeTarget {
  host: string;
  /** Implicit TLS (smtps). */
  secure: boolean;
  verifyTls: boolean;
  /** An open TCP connection to the server (vetted by the destination guard when needed). */
  connect(): Promise<Socket>;
}

const probeTimeoutMs = 15_000;

/** The EHLO keywords the server offers, upper-cased (`SMTPUTF8`, `PIPELINING`, `SIZE`, …). */
export async function ehloExtensions(target: ProbeTarget): Promise<string[]> {
  const raw = await target.connect();
  const socket = target.secure
    ? tls.connect({ socket: raw, servername: target.host, rejectUnauthorized: target.verifyTls })
    : raw;
  try {
    return await converse(socket);
  } finally {
    socket.destroy();
  }
}

function converse(socket: Socket): Promise<string[]> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    let stage: 'greeting' | 'ehlo' = 'greeting';
    const lines: string[] = [];
    const timer = setTimeout(
      () => fail(new Error('the SMTP server did not answer EHLO in time')),
      probeTimeoutMs,
    );
    const fail = (err: Error) => {
      clearTimeout(timer);
      reject(err);
    };
    socket.setEncoding('utf8');
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the SMTP server closed the connection before answering EHLO')));
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        // A reply is lines of "code-text" ended by one of "code text" (RFC 5321 §4.2.1).
        const last = line.charAt(3) !== '-';
        if (stage === 'greeting') {
          if (!last) continue;
          if (!line.startsWith('220'))
            return fail(new Error(`the SMTP server greeted with "${line.slice(0, 200)}"`));
          stage = 'ehlo';
          socket.write(`EHLO ${hostname() || 'localhost'}\r\n`);
          continue;
        }
        if (!line.startsWith('250'))
          return fail(new Error(`the SMTP server answered EHLO with "${line.slice(0, 200)}"`));
        lines.push(line.slice(4));
        if (last) {
          clearTimeout(timer);
          socket.write('QUIT\r\n');
          // The first line is the server's name; the others start with a keyword.
          resolve(lines.slice(1).map((l) => (l.split(/\s+/)[0] ?? '').toUpperCase()));
          return;
        }
      }
    });
  });
}
