// A local Twilio Messages API for tests: it checks what Twilio checks (Basic auth, a valid To,
// a sender, a body of at most 1600 characters), answers with Twilio's status codes and JSON
// bodies, and sends status callbacks signed the way Twilio signs them. It delivers nothing.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { parsePhoneNumber, segmentSms } from '../../src/channels/sms/index.ts';
import { twilioSignature } from '../../src/channels/sms/twilio.ts';

interface TwilioError {
  status: number;
  code: number;
  message: string;
}

interface TwilioSentMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  statusCallback: string | null;
  validityPeriod: number | null;
  numSegments: number;
  /** Every form parameter as received. */
  params: Record<string, string>;
  receivedAt: Date;
}

export interface FakeTwilio {
  /** The base URL to give TwilioProvider. */
  url: string;
  /** To numbers (E.164) answered with this error after the request is validated. */
  failNumbers: Map<string, TwilioError>;
  /** The next `n` requests get this answer, whatever they carry. */
  failNext(n: number, failure: { status: 429 | 500 | 503; retryAfter?: number | string }): void;
  /**
   * Takes messages (they are in `sent` at once) but answers nothing until the returned function
   * is called: the window in which a sender has not yet learnt the message's SID.
   */
  holdAnswers(): () => void;
  sent: TwilioSentMessage[];
  /**
   * Posts a status callback for a message to its StatusCallback (or `url`), signed with the
   * auth token (or `signWith`), and resolves to the HTTP status the receiver answered.
   */
  sendStatus(
    sid: string,
    status: string,
    options?: { errorCode?: string; signWith?: string; url?: string },
  ): Promise<number>;
  close(): Promise<void>;
}

const apiVersion = '2010-04-01';
const serverErrors: Record<number, { code: number; message: string }> = {
  429: { code: 20429, message: 'Too Many Requests' },
  500: { code: 20500, message: 'Internal Server Error' },
  503: { code: 20503, message: 'Service Unavailable' },
};

/** RFC 2822, as Twilio writes dates: "Sat, 22 Nov 2026 10:00:00 +0000". */
function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

export async function startFakeTwilio(options: {
  accountSid: string;
  authToken: string;
}): Promise<FakeTwilio> {
  const { accountSid, authToken } = options;
  const failures: { status: number; retryAfter?: number | string }[] = [];
  const bySid = new Map<string, TwilioSentMessage>();
  const failNumbers = new Map<string, TwilioError>();
  let hold: Promise<void> | null = null;
  const credentials = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

  const error = (res: ServerResponse, e: TwilioError, headers: Record<string, string> = {}) => {
    res.writeHead(e.status, { 'content-type': 'application/json', ...headers });
    res.end(
      JSON.stringify({
        code: e.code,
        message: e.message,
        more_info: `https://www.twilio.com/docs/errors/${e.code}`,
        status: e.status,
      }),
    );
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: string) => {
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const match = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(path);
    const failure = failures.shift();
    if (failure) {
      const known = serverErrors[failure.status] ?? { code: 20500, message: 'Internal Server Error' };
      const headers: Record<string, string> =
        failure.retryAfter === undefined ? {} : { 'retry-after': String(failure.retryAfter) };
      return error(res, { status: failure.status, ...known }, headers);
    }
    if (req.headers.authorization !== credentials) {
      res.writeHead(401, {
        'content-type': 'application/json',
        'www-authenticate': 'Basic realm="Twilio API"',
      });
      return res.end(
        JSON.stringify({
          code: 20003,
          detail: 'Your AccountSid or AuthToken was incorrect.',
          message: 'Authenticate',
          more_info: 'https://www.twilio.com/docs/errors/20003',
          status: 401,
        }),
      );
    }
    if (!match || req.method !== 'POST' || match[1] !== accountSid)
      return error(res, {
        status: 404,
        code: 20404,
        message: `The requested resource ${path} was not found`,
      });

    const params = Object.fromEntries(new URLSearchParams(raw));
    const to = params.To;
    const from = params.From || null;
    const service = params.MessagingServiceSid || null;
    const body = params.Body ?? '';
    if (!to) return error(res, { status: 400, code: 21604, message: "A 'To' phone number is required." });
    const phone = parsePhoneNumber(to);
    if (!to.startsWith('+') || !phone.ok || phone.e164 !== to)
      return error(res, {
        status: 400,
        code: 21211,
        message: `The 'To' number ${to} is not a valid phone number.`,
      });
    if (!from && !service)
      return error(res, { status: 400, code: 21603, message: "A 'From' phone number is required." });
    if (body === '') return error(res, { status: 400, code: 21602, message: 'Message body is required.' });
    if ([...body].length > 1600)
      return error(res, {
        status: 400,
        code: 21617,
        message: 'The concatenated message body exceeds the 1600 character limit.',
      });
    const refusal = failNumbers.get(to);
    if (refusal) return error(res, refusal);

    const sid = `SM${randomBytes(16).toString('hex')}`;
    const now = new Date();
    const numSegments = segmentSms(body).segments;
    const message: TwilioSentMessage = {
      sid,
      to,
      from,
      messagingServiceSid: service,
      body,
      statusCallback: params.StatusCallback || null,
      validityPeriod: params.ValidityPeriod ? Number(params.ValidityPeriod) : null,
      numSegments,
      params,
      receivedAt: now,
    };
    fake.sent.push(message);
    bySid.set(sid, message);
    const uri = `/${apiVersion}/Accounts/${accountSid}/Messages/${sid}`;
    const answer = () => {
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          account_sid: accountSid,
          api_version: apiVersion,
          body,
          date_created: rfc2822(now),
          date_sent: null,
          date_updated: rfc2822(now),
          direction: 'outbound-api',
          error_code: null,
          error_message: null,
          from,
          messaging_service_sid: service,
          num_media: '0',
          num_segments: String(numSegments),
          price: null,
          price_unit: 'USD',
          sid,
          // Through a Messaging Service without From, Twilio picks the sender later: "accepted".
          status: from ? 'queued' : 'accepted',
          subresource_uris: { media: `${uri}/Media.json` },
          to,
          uri: `${uri}.json`,
        }),
      );
    };
    if (hold) void hold.then(answer);
    else answer();
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  const fake: FakeTwilio = {
    url: '',
    failNumbers,
    failNext(n, failure) {
      for (let i = 0; i < n; i++) failures.push(failure);
    },
    sent: [],
    holdAnswers() {
      let release = () => {};
      hold = new Promise<void>((resolve) => {
        release = () => {
          hold = null;
          resolve();
        };
      });
      return release;
    },
    async sendStatus(sid, status, opts = {}) {
      const message = bySid.get(sid);
      if (!message) throw new Error(`fake Twilio sent no message ${sid}`);
      const url = opts.url ?? message.statusCallback;
      if (!url) throw new Error(`message ${sid} has no StatusCallback`);
      const params: Record<string, string> = {
        AccountSid: accountSid,
        ApiVersion: apiVersion,
        MessageSid: sid,
        MessageStatus: status,
        SmsSid: sid,
        SmsStatus: status,
        To: message.to,
      };
      if (message.from) params.From = message.from;
      if (message.messagingServiceSid) params.MessagingServiceSid = message.messagingServiceSid;
      if (opts.errorCode !== undefined) params.ErrorCode = opts.errorCode;
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': twilioSignature(opts.signWith ?? authToken, url, params),
          'i-twilio-idempotency-token': randomBytes(16).toString('hex'),
          'user-agent': 'TwilioProxy/1.1',
        },
        body: new URLSearchParams(params),
        signal: AbortSignal.timeout(5000),
      });
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
