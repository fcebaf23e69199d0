// A local Vonage SMS API for tests: /sms/json with Vonage's checks (credentials, required
// parameters, a valid number) and its 200 answers with a status per segment, and delivery
// receipts sent to the message's callback by GET or POST, signed like Vonage's. It delivers nothing.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parsePhoneNumber, segmentSms } from '../../src/channels/sms/index.ts';
import { type VonageSignatureMethod, vonageSignature } from '../../src/channels/sms/vonage.ts';

interface VonageRefusal {
  status: string;
  errorText: string;
}

interface VonageSentMessage {
  /** One per segment. */
  messageIds: string[];
  /** As received: E.164 without "+". */
  to: string;
  from: string;
  text: string;
  type: string;
  callback: string | null;
  clientRef: string | null;
  ttl: number | null;
  params: Record<string, string>;
  receivedAt: Date;
}

export interface FakeVonage {
  /** The base URL to give VonageProvider. */
  url: string;
  /** Numbers (with or without "+") answered with this status after the request is validated. */
  failNumbers: Map<string, VonageRefusal>;
  /** The next `n` sends get status 1 (throttled), after `afterSegments` accepted segments. */
  throttleNext(n: number, options?: { afterSegments?: number }): void;
  /** The next `n` requests get this HTTP answer. */
  failNext(n: number, failure: { status: 429 | 500 | 503; retryAfter?: number | string }): void;
  /** Wait this long before answering any request (a slow or stuck API). */
  replyDelayMs: number;
  sent: VonageSentMessage[];
  /**
   * Sends a delivery receipt for one segment to the message's callback (or `url`) and resolves
   * to the HTTP status the receiver answered. Signed when the fake has a signature secret,
   * unless `signed` is false; `badSignature` signs with a wrong secret.
   */
  sendReceipt(
    messageId: string,
    status: string,
    options?: {
      errCode?: string;
      method?: 'GET' | 'POST';
      signed?: boolean;
      badSignature?: boolean;
      url?: string;
    },
  ): Promise<number>;
  close(): Promise<void>;
}

const segmentPrice = 0.0333;

/** "2026-11-22 10:00:05" (UTC), as in message-timestamp. */
function vonageTime(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ');
}

/** YYMMDDHHMM, as in scts. */
function sctsTime(date: Date): string {
  return date.toISOString().slice(2, 16).replace(/[-T:]/g, '');
}

export async function startFakeVonage(options: {
  apiKey: string;
  apiSecret: string;
  signatureSecret?: string;
  signatureMethod?: VonageSignatureMethod;
}): Promise<FakeVonage> {
  const { apiKey, apiSecret, signatureSecret, signatureMethod = 'md5hash' } = options;
  const throttles: number[] = [];
  const failures: { status: number; retryAfter?: number | string }[] = [];
  const bySegment = new Map<string, VonageSentMessage>();
  const failNumbers = new Map<string, VonageRefusal>();
  let balance = 10;

  const answer = (res: ServerResponse, messages: Record<string, string>[]) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ 'message-count': String(messages.length), messages }));
  };
  const refuse = (res: ServerResponse, status: string, errorText: string) =>
    answer(res, [{ status, 'error-text': errorText }]);

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const failure = failures.shift();
    if (failure) {
      const headers: Record<string, string> =
        failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) };
      res.writeHead(failure.status, { 'content-type': 'application/json', ...headers });
      return res.end(JSON.stringify({ type: 'about:blank', title: `HTTP ${failure.status}` }));
    }
    if (url.pathname !== '/sms/json') {
      res.writeHead(404, { 'content-type': 'text/plain' });
      return res.end('Not Found');
    }
    const params = readParams(req, url, raw);
    if (!params.api_key) return refuse(res, '2', 'Missing api_key');
    if (!params.api_secret) return refuse(res, '2', 'Missing api_secret');
    if (params.api_key !== apiKey || params.api_secret !== apiSecret)
      return refuse(res, '4', 'Bad Credentials');
    if (!params.from) return refuse(res, '2', 'Missing from param');
    if (!params.to) return refuse(res, '2', 'Missing to param');
    if (!params.text) return refuse(res, '2', 'Missing text param');
    const phone = parsePhoneNumber(`+${params.to}`);
    if (!/^\d+$/.test(params.to) || !phone.ok) return refuse(res, '3', 'Invalid to number');
    const refusal = failNumbers.get(params.to) ?? failNumbers.get(`+${params.to}`);
    if (refusal) return refuse(res, refusal.status, refusal.errorText);

    const segments = segmentSms(params.text).segments;
    const throttle = throttles.shift();
    const acceptedCount = throttle === undefined ? segments : Math.min(throttle, segments - 1);
    const accepted = Array.from({ length: acceptedCount }, () => {
      balance -= segmentPrice;
      return {
        to: params.to ?? '',
        'message-id': randomBytes(8).toString('hex').toUpperCase(),
        status: '0',
        'remaining-balance': balance.toFixed(8),
        'message-price': String(segmentPrice),
        network: '21401',
        ...(params['client-ref'] ? { 'client-ref': params['client-ref'] } : {}),
      };
    });
    if (accepted.length > 0) {
      const message: VonageSentMessage = {
        messageIds: accepted.map((m) => m['message-id']),
        to: params.to,
        from: params.from,
        text: params.text,
        type: params.type ?? 'text',
        callback: params.callback || null,
        clientRef: params['client-ref'] || null,
        ttl: params.ttl ? Number(params.ttl) : null,
        params,
        receivedAt: new Date(),
      };
      if (throttle === undefined) fake.sent.push(message);
      for (const id of message.messageIds) bySegment.set(id, message);
    }
    if (throttle === undefined) return answer(res, accepted);
    answer(res, [
      ...accepted,
      { status: '1', 'error-text': 'Throughput Rate Exceeded - please wait [ 30 ] and retry' },
    ]);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (fake.replyDelayMs > 0) setTimeout(() => handle(req, res, body), fake.replyDelayMs);
      else handle(req, res, body);
    });
  });

  const fake: FakeVonage = {
    url: '',
    failNumbers,
    replyDelayMs: 0,
    throttleNext(n, opts = {}) {
      for (let i = 0; i < n; i++) throttles.push(opts.afterSegments ?? 0);
    },
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    sent: [],
    async sendReceipt(messageId, status, opts = {}) {
      const message = bySegment.get(messageId);
      if (!message) throw new Error(`fake Vonage sent no segment ${messageId}`);
      const target = opts.url ?? message.callback;
      if (!target) throw new Error(`message ${messageId} has no callback`);
      const now = new Date();
      const settled = status === 'delivered' || status === 'accepted' || status === 'buffered';
      const params: Record<string, string> = {
        msisdn: message.to,
        to: message.from,
        'network-code': '21401',
        messageId,
        price: segmentPrice.toFixed(8),
        status,
        scts: sctsTime(now),
        'err-code': opts.errCode ?? (settled ? '0' : '1'),
        'api-key': apiKey,
        'message-timestamp': vonageTime(now),
      };
      if (message.clientRef) params['client-ref'] = message.clientRef;
      if (opts.signed ?? signatureSecret !== undefined) {
        if (!signatureSecret) throw new Error('the fake has no signature secret');
        params.timestamp = String(Math.floor(now.getTime() / 1000));
        const secret = opts.badSignature ? `${signatureSecret}-wrong` : signatureSecret;
        params.sig = vonageSignature(params, secret, signatureMethod);
      }
      const method = opts.method ?? 'GET';
      let response: Response;
      if (method === 'GET') {
        const url = new URL(target);
        for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
        response = await fetch(url, { signal: AbortSignal.timeout(5000) });
      } else {
        response = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(params),
          signal: AbortSignal.timeout(5000),
        });
      }
      await response.arrayBuffer();
      return response.status;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  fake.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return fake;
}

/** Vonage takes the parameters as a query string, a form or JSON. */
function readParams(req: IncomingMessage, url: URL, raw: string): Record<string, string> {
  const params = Object.fromEntries(url.searchParams);
  const type = req.headers['content-type'] ?? '';
  if (type.includes('application/json')) {
    try {
      const body = JSON.parse(raw) as Record<string, unknown>;
      for (const [name, value] of Object.entries(body)) params[name] = String(value);
    } catch {
      // Vonage reads a body it cannot parse as no parameters: the checks below refuse it.
    }
  } else if (type.includes('application/x-www-form-urlencoded')) {
    Object.assign(params, Object.fromEntries(new URLSearchParams(raw)));
  }
  return params;
}
