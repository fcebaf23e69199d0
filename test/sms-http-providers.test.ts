// The Twilio and Vonage providers against local fakes that speak their wire formats over real
// HTTP on 127.0.0.1: sends, every kind of refusal, callbacks and their signatures. The pure
// parts (status parsing, error classification, signatures) get tables of their own.
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { retryAfterMs } from '../src/channels/http.ts';
import {
  type OutgoingSms,
  PermanentError,
  ProviderDownError,
  TransientError,
} from '../src/channels/provider.ts';
import { segmentSms } from '../src/channels/sms/encoding.ts';
import {
  classifyTwilioFailure,
  parseTwilioStatus,
  TwilioProvider,
  twilioSignature,
  validityPeriod,
  verifyTwilioSignature,
} from '../src/channels/sms/twilio.ts';
import {
  classifyVonageStatus,
  parseVonageReceipt,
  VonageProvider,
  verifyVonageSignature,
  vonageSignature,
} from '../src/channels/sms/vonage.ts';
import { providerDestinations } from '../src/net/index.ts';
import { type FakeTwilio, startFakeTwilio } from './helpers/fake-twilio.ts';
import { type FakeVonage, startFakeVonage } from './helpers/fake-vonage.ts';

// The fakes listen on 127.0.0.1: these tests run as a self-hosted setup that allows it.
const destinations = providerDestinations({ allowPrivateDestinations: true });

const spanish =
  '¿Llegó tu pedido? 🚚 Está en camino, José. Gracias por comprar con nosotros: tu número de seguimiento es ES-2026-1122.';

function sms(over: Partial<OutgoingSms> = {}): OutgoingSms {
  const text = over.text ?? 'Your Aviso code is 123456. It expires in 10 minutes.';
  const { encoding, segments } = segmentSms(text);
  return {
    id: 'msg_01JTEST',
    projectId: 'prj_test',
    priority: 'high',
    from: null,
    to: '+34600111222',
    text,
    encoding,
    segments,
    validUntil: null,
    ...over,
  };
}

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface TestServer {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that records requests and answers with `answer` (204 by default). */
async function startServer(
  answer: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.writeHead(204).end(),
): Promise<TestServer> {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      answer(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** A base URL where nothing listens: a port that was just free. */
async function closedPortUrl(): Promise<string> {
  const server = await startServer();
  await server.close();
  return server.url;
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the send to fail');
}

const accountSid = `AC${'0123456789abcdef'.repeat(2)}`;
const authToken = 'twilio-auth-token-for-tests';

describe('TwilioProvider against the fake', () => {
  let fake: FakeTwilio;
  let receiver: TestServer;
  let callbackUrl: string;
  let provider: TwilioProvider;

  beforeAll(async () => {
    fake = await startFakeTwilio({ accountSid, authToken });
    receiver = await startServer();
    // A query string on purpose: it is part of what Twilio signs.
    callbackUrl = `${receiver.url}/v1/callbacks/twilio/prv_1?tenant=a%20b&v=2`;
    provider = new TwilioProvider({
      destinations,
      baseUrl: fake.url,
      accountSid,
      authToken,
      from: '+34911222333',
      statusCallbackUrl: callbackUrl,
    });
  });
  afterAll(async () => {
    await fake.close();
    await receiver.close();
  });
  afterEach(() => {
    fake.sent.length = 0;
    fake.failNumbers.clear();
    receiver.received.length = 0;
  });

  it('sends a GSM-7 text with the sender, status callback and validity period', async () => {
    const message = sms({ validUntil: new Date(Date.now() + 10 * 60_000) });
    const result = await provider.send(message);
    expect(result.providerMessageId).toMatch(/^SM[0-9a-f]{32}$/);
    expect(result.response).toBe('201 queued (1 segment)');
    expect(fake.sent).toHaveLength(1);
    const sent = fake.sent[0];
    expect(sent).toMatchObject({
      sid: result.providerMessageId,
      to: '+34600111222',
      from: '+34911222333',
      messagingServiceSid: null,
      body: message.text,
      statusCallback: callbackUrl,
      numSegments: 1,
    });
    expect(sent?.validityPeriod).toBeGreaterThan(590);
    expect(sent?.validityPeriod).toBeLessThanOrEqual(600);
  });

  it('sends a UCS-2 Spanish text with accents and an emoji intact, counting its segments', async () => {
    const message = sms({ text: spanish, from: 'Aviso' });
    expect(message.encoding).toBe('UCS-2');
    expect(message.segments).toBe(2);
    const result = await provider.send(message);
    expect(result.response).toBe('201 queued (2 segments)');
    expect(fake.sent[0]).toMatchObject({ body: spanish, from: 'Aviso', numSegments: 2 });
  });

  it('sends through a Messaging Service when there is no sender number', async () => {
    const service = new TwilioProvider({
      destinations,
      baseUrl: fake.url,
      accountSid,
      authToken,
      messagingServiceSid: `MG${'ab'.repeat(16)}`,
    });
    const result = await service.send(sms());
    expect(result.response).toBe('201 accepted (1 segment)');
    expect(fake.sent[0]?.from).toBeNull();
    expect(fake.sent[0]?.messagingServiceSid).toBe(`MG${'ab'.repeat(16)}`);
    expect(fake.sent[0]?.params).not.toHaveProperty('StatusCallback');
  });

  it('refuses to send without any sender, before asking Twilio', async () => {
    const bare = new TwilioProvider({ destinations, baseUrl: fake.url, accountSid, authToken });
    const err = await failureOf(bare.send(sms()));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).kind).toBe('failure');
    expect(err.message).toMatch(/no sms sender is configured/i);
    expect(fake.sent).toHaveLength(0);
  });

  it('reports an invalid number as a bounce with code 21211', async () => {
    const err = await failureOf(provider.send(sms({ to: '+3460011' })));
    expect(err).toBeInstanceOf(PermanentError);
    expect((err as PermanentError).kind).toBe('bounce');
    expect((err as PermanentError).details).toEqual({
      errorCode: '21211',
      responseCode: 400,
      response: "The 'To' number +3460011 is not a valid phone number.",
    });
  });

  it('reports a landline (21614) as a bounce and an unsubscribed recipient (21610) as a failure', async () => {
    fake.failNumbers.set('+34912345678', {
      status: 400,
      code: 21614,
      message: "'To' number is not a valid mobile number",
    });
    fake.failNumbers.set('+34600999888', {
      status: 400,
      code: 21610,
      message: 'Attempt to send to unsubscribed recipient',
    });
    const landline = await failureOf(provider.send(sms({ to: '+34912345678' })));
    expect(landline).toBeInstanceOf(PermanentError);
    expect((landline as PermanentError).kind).toBe('bounce');
    expect((landline as PermanentError).details.errorCode).toBe('21614');
    const stopped = await failureOf(provider.send(sms({ to: '+34600999888' })));
    expect(stopped).toBeInstanceOf(PermanentError);
    expect((stopped as PermanentError).kind).toBe('failure');
    expect((stopped as PermanentError).details.errorCode).toBe('21610');
  });

  it('reports bad credentials as the provider being down', async () => {
    const wrong = new TwilioProvider({
      destinations,
      baseUrl: fake.url,
      accountSid,
      authToken: 'nope',
      from: 'Aviso',
    });
    const err = await failureOf(wrong.send(sms()));
    expect(err).toBeInstanceOf(ProviderDownError);
    expect((err as ProviderDownError).details).toMatchObject({ errorCode: '20003', responseCode: 401 });
    expect(fake.sent).toHaveLength(0);
  });

  it('reports 429 as transient with Retry-After, and 500 as transient', async () => {
    fake.failNext(1, { status: 429, retryAfter: 7 });
    const throttled = await failureOf(provider.send(sms()));
    expect(throttled).toBeInstanceOf(TransientError);
    expect(throttled).not.toBeInstanceOf(ProviderDownError);
    expect((throttled as TransientError).details).toMatchObject({
      errorCode: '20429',
      responseCode: 429,
      retryAfterMs: 7000,
    });

    fake.failNext(1, { status: 500 });
    const broken = await failureOf(provider.send(sms()));
    expect(broken).toBeInstanceOf(TransientError);
    expect(broken).not.toBeInstanceOf(ProviderDownError);
    expect((broken as TransientError).details.responseCode).toBe(500);

    await expect(provider.send(sms())).resolves.toMatchObject({ response: '201 queued (1 segment)' });
  });

  it('reports a refused connection as the provider being down (a TransientError)', async () => {
    const nowhere = new TwilioProvider({
      destinations,
      baseUrl: await closedPortUrl(),
      accountSid,
      authToken,
      from: 'Aviso',
    });
    const err = await failureOf(nowhere.send(sms()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toBeInstanceOf(ProviderDownError);
  });

  it('reports no answer in time, and an answer that is not JSON, as transient', async () => {
    const silent = await startServer(() => {});
    const slow = new TwilioProvider({
      destinations,
      baseUrl: silent.url,
      accountSid,
      authToken,
      from: 'Aviso',
      timeoutMs: 100,
    });
    const timedOut = await failureOf(slow.send(sms()));
    expect(timedOut).toBeInstanceOf(TransientError);
    expect(timedOut).not.toBeInstanceOf(ProviderDownError);
    expect(timedOut.message).toMatch(/did not answer within 100 ms/);
    await silent.close();

    const html = await startServer((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>Hi</h1>'),
    );
    const confused = new TwilioProvider({
      destinations,
      baseUrl: html.url,
      accountSid,
      authToken,
      from: 'Aviso',
    });
    const err = await failureOf(confused.send(sms()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).not.toBeInstanceOf(ProviderDownError);
    await html.close();
  });

  it('gets status callbacks with a signature that verifies over the URL and its query string', async () => {
    const { providerMessageId } = await provider.send(sms());
    const sid = providerMessageId ?? '';
    expect(await fake.sendStatus(sid, 'delivered')).toBe(204);
    const request = receiver.received[0];
    expect(request?.method).toBe('POST');
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const params = Object.fromEntries(new URLSearchParams(request?.body));
    const url = `${receiver.url}${request?.url}`;
    expect(url).toBe(callbackUrl);
    const header = request?.headers['x-twilio-signature'] as string;
    expect(verifyTwilioSignature(authToken, url, params, header)).toBe(true);
    expect(verifyTwilioSignature(authToken, url.split('?')[0] ?? '', params, header)).toBe(false);
    expect(verifyTwilioSignature(authToken, url, { ...params, MessageStatus: 'failed' }, header)).toBe(false);
    expect(verifyTwilioSignature('another-token', url, params, header)).toBe(false);
    expect(verifyTwilioSignature(authToken, url, params, undefined)).toBe(false);
    expect(parseTwilioStatus(params)).toMatchObject({
      providerMessageId: sid,
      status: 'delivered',
      providerStatus: 'delivered',
    });

    expect(await fake.sendStatus(sid, 'undelivered', { errorCode: '30003', signWith: 'not-the-token' })).toBe(
      204,
    );
    const forged = receiver.received[1];
    const forgedParams = Object.fromEntries(new URLSearchParams(forged?.body));
    expect(forgedParams.ErrorCode).toBe('30003');
    expect(
      verifyTwilioSignature(
        authToken,
        `${receiver.url}${forged?.url}`,
        forgedParams,
        forged?.headers['x-twilio-signature'] as string,
      ),
    ).toBe(false);
  });
});

describe('twilioSignature', () => {
  it("matches the example in Twilio's webhook security docs", () => {
    const params = {
      CallSid: 'CA1234567890ABCDE',
      Caller: '+12349013030',
      Digits: '1234',
      From: '+12349013030',
      To: '+18005551212',
    };
    expect(twilioSignature('12345', 'https://mycompany.com/myapp.php?foo=1&bar=2', params)).toBe(
      '0/KCTR6DLpKmkAf8muzZqo1nDgQ=',
    );
  });

  it('follows the documented steps: URL, then each name and value sorted by name, HMAC-SHA1, Base64', () => {
    const url = 'https://aviso.example.com/v1/callbacks/twilio/prv_1?x=1';
    const params = { To: '+34600111222', MessageStatus: 'sent', ErrorCode: '', MessageSid: 'SMabc', a: 'ñ' };
    // Case-sensitive order: capitals before lower case.
    const data = `${url}ErrorCodeMessageSidSMabcMessageStatussentTo+34600111222añ`;
    const expected = createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
    expect(twilioSignature(authToken, url, params)).toBe(expected);
    expect(verifyTwilioSignature(authToken, url, params, expected)).toBe(true);
    expect(verifyTwilioSignature(authToken, url, params, expected.slice(0, -2))).toBe(false);
  });
});

describe('parseTwilioStatus', () => {
  const at = new Date('2026-11-22T10:00:00Z');
  const callback = (status: string, errorCode?: string) => ({
    MessageSid: 'SM0123',
    MessageStatus: status,
    SmsSid: 'SM0123',
    SmsStatus: status,
    AccountSid: accountSid,
    To: '+34600111222',
    From: '+34911222333',
    ApiVersion: '2010-04-01',
    ...(errorCode === undefined ? {} : { ErrorCode: errorCode }),
  });

  it.each(['queued', 'sending', 'accepted', 'scheduled', 'canceled', 'receiving'])(
    '%s → nothing',
    (status) => {
      expect(parseTwilioStatus(callback(status), at)).toBeNull();
    },
  );

  it.each([
    ['sent', 'sent'],
    ['delivered', 'delivered'],
    ['read', 'read'],
  ])('%s → %s', (providerStatus, status) => {
    expect(parseTwilioStatus(callback(providerStatus), at)).toEqual({
      providerMessageId: 'SM0123',
      status,
      at,
      providerStatus,
    });
  });

  it.each([
    ['undelivered', '30003', false],
    ['undelivered', '30005', true],
    ['undelivered', '30006', true],
    ['failed', '30007', false],
    ['failed', '30008', false],
    ['failed', '21211', true],
    ['failed', '21614', true],
    ['failed', '21610', true],
  ])('%s with %s → failed, permanent %s', (providerStatus, errorCode, permanent) => {
    expect(parseTwilioStatus(callback(providerStatus, errorCode), at)).toMatchObject({
      status: 'failed',
      providerStatus,
      errorCode,
      permanent,
    });
  });

  it('reads a failure without a code as not permanent, and names known codes', () => {
    const receipt = parseTwilioStatus(callback('failed'), at);
    expect(receipt).toMatchObject({ status: 'failed', permanent: false });
    expect(receipt).not.toHaveProperty('errorCode');
    expect(parseTwilioStatus(callback('undelivered', '30006'), at)?.errorText).toBe(
      'Landline or unreachable carrier',
    );
  });

  it('needs a message sid and a status', () => {
    expect(parseTwilioStatus({ MessageStatus: 'delivered' })).toBeNull();
    expect(parseTwilioStatus({ MessageSid: 'SM1' })).toBeNull();
    expect(parseTwilioStatus({ SmsSid: 'SM1', SmsStatus: 'delivered' }, at)?.status).toBe('delivered');
  });
});

describe('classifyTwilioFailure', () => {
  const body = (code: number, status: number) =>
    JSON.stringify({
      code,
      message: `error ${code}`,
      more_info: `https://www.twilio.com/docs/errors/${code}`,
      status,
    });

  it.each([
    [400, body(21211, 400), 'bounce'],
    [400, body(21614, 400), 'bounce'],
    [400, body(21610, 400), 'failure'],
    [400, body(21408, 400), 'failure'],
    [400, body(21606, 400), 'failure'],
    [400, body(21617, 400), 'failure'],
    [401, body(20003, 401), 'down'],
    [401, 'Unauthorized', 'down'],
    [429, body(20429, 429), 'transient'],
    [500, body(20500, 500), 'transient'],
    [503, '', 'transient'],
    [404, '<html>Not Found</html>', 'transient'],
  ])('%i %s → %s', (status, text, verdict) => {
    const err = classifyTwilioFailure(status, text, null);
    if (verdict === 'down') expect(err).toBeInstanceOf(ProviderDownError);
    else if (verdict === 'transient') {
      expect(err).toBeInstanceOf(TransientError);
      expect(err).not.toBeInstanceOf(ProviderDownError);
    } else {
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as PermanentError).kind).toBe(verdict);
    }
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    const now = Date.parse('2026-10-21T07:27:30Z');
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs('Wed, 21 Oct 2026 07:28:00 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 21 Oct 2026 07:00:00 GMT', now)).toBe(0);
    expect(retryAfterMs('soon', now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
    const err = classifyTwilioFailure(503, body(20503, 503), 'Wed, 21 Oct 2026 07:28:00 GMT', now);
    expect((err as TransientError).details.retryAfterMs).toBe(30_000);
  });

  it('holds the validity period to 1 s … 10 h', () => {
    const now = new Date('2026-11-22T10:00:00Z');
    expect(validityPeriod(new Date('2026-11-22T10:05:00.200Z'), now)).toBe(301);
    expect(validityPeriod(new Date('2026-11-22T09:00:00Z'), now)).toBe(1);
    expect(validityPeriod(new Date('2026-11-25T10:00:00Z'), now)).toBe(36_000);
  });
});

const apiKey = 'abcd1234';
const apiSecret = 'vonage-secret';
const signatureSecret = 'vonage-signature-secret';

describe('VonageProvider against the fake', () => {
  let fake: FakeVonage;
  let receiver: TestServer;
  let provider: VonageProvider;

  beforeAll(async () => {
    fake = await startFakeVonage({ apiKey, apiSecret, signatureSecret });
    receiver = await startServer();
    provider = new VonageProvider({
      destinations,
      baseUrl: fake.url,
      apiKey,
      apiSecret,
      from: '+34911222333',
      callbackUrl: `${receiver.url}/v1/callbacks/vonage/prv_2`,
    });
  });
  afterAll(async () => {
    await fake.close();
    await receiver.close();
  });
  afterEach(() => {
    fake.sent.length = 0;
    fake.failNumbers.clear();
    receiver.received.length = 0;
  });

  it('sends a GSM-7 text as type text, numbers without "+", with client-ref, callback and ttl', async () => {
    const result = await provider.send(sms({ validUntil: new Date(Date.now() + 10 * 60_000) }));
    expect(result.segmentIds).toHaveLength(1);
    expect(result.providerMessageId).toBe(result.segmentIds?.[0]);
    expect(result.providerMessageId).toMatch(/^[0-9A-F]{16}$/);
    expect(result.response).toBe('200, 1 segment, price 0.0333');
    expect(fake.sent[0]).toMatchObject({
      to: '34600111222',
      from: '34911222333',
      type: 'text',
      clientRef: 'msg_01JTEST',
      callback: `${receiver.url}/v1/callbacks/vonage/prv_2`,
    });
    expect(fake.sent[0]?.ttl).toBeGreaterThan(590_000);
    expect(fake.sent[0]?.ttl).toBeLessThanOrEqual(600_000);
  });

  it('sends a UCS-2 Spanish text as type unicode, with one id per segment', async () => {
    const message = sms({ text: spanish, from: 'Aviso' });
    const result = await provider.send(message);
    expect(result.segmentIds).toHaveLength(message.segments);
    expect(new Set(result.segmentIds).size).toBe(2);
    expect(result.response).toBe('200, 2 segments, price 0.0666');
    expect(fake.sent[0]).toMatchObject({ text: spanish, type: 'unicode', from: 'Aviso' });
  });

  it('reports bad credentials (status 4) as the provider being down', async () => {
    const wrong = new VonageProvider({
      destinations,
      baseUrl: fake.url,
      apiKey,
      apiSecret: 'nope',
      from: 'Aviso',
    });
    const err = await failureOf(wrong.send(sms()));
    expect(err).toBeInstanceOf(ProviderDownError);
    expect((err as ProviderDownError).details).toEqual({
      errorCode: '4',
      responseCode: 200,
      response: 'Bad Credentials',
    });
  });

  it('reports an invalid number (3) and a barred one (7) as bounces, a demo-mode destination (29) as a failure', async () => {
    const invalid = await failureOf(provider.send(sms({ to: '+3460011' })));
    expect(invalid).toBeInstanceOf(PermanentError);
    expect((invalid as PermanentError).kind).toBe('bounce');
    expect((invalid as PermanentError).details.errorCode).toBe('3');

    fake.failNumbers.set('+34600999888', { status: '7', errorText: 'Number barred.' });
    fake.failNumbers.set('34600999777', {
      status: '29',
      errorText: 'Non White-listed Destination - rejected',
    });
    const barred = await failureOf(provider.send(sms({ to: '+34600999888' })));
    expect((barred as PermanentError).kind).toBe('bounce');
    expect((barred as PermanentError).details.errorCode).toBe('7');
    const demo = await failureOf(provider.send(sms({ to: '+34600999777' })));
    expect(demo).toBeInstanceOf(PermanentError);
    expect((demo as PermanentError).kind).toBe('failure');
  });

  it('reports throttling (1) as transient after a second, and says when earlier segments went through', async () => {
    fake.throttleNext(1);
    const throttled = await failureOf(provider.send(sms()));
    expect(throttled).toBeInstanceOf(TransientError);
    expect(throttled).not.toBeInstanceOf(ProviderDownError);
    expect((throttled as TransientError).details).toMatchObject({ errorCode: '1', retryAfterMs: 1000 });

    fake.throttleNext(1, { afterSegments: 1 });
    const partial = await failureOf(provider.send(sms({ text: spanish })));
    expect(partial).toBeInstanceOf(TransientError);
    expect((partial as TransientError).details.response).toMatch(
      /^Throughput Rate Exceeded.*\(1 of 2 segments were accepted before: [0-9A-F]{16}\)$/,
    );
  });

  it('reports HTTP 5xx and 429 as transient, honouring Retry-After', async () => {
    fake.failNext(1, { status: 503 });
    const down = await failureOf(provider.send(sms()));
    expect(down).toBeInstanceOf(TransientError);
    expect(down).not.toBeInstanceOf(ProviderDownError);
    expect((down as TransientError).details.responseCode).toBe(503);

    fake.failNext(1, { status: 429, retryAfter: 3 });
    const limited = await failureOf(provider.send(sms()));
    expect((limited as TransientError).details.retryAfterMs).toBe(3000);
  });

  it('reports a refused connection as the provider being down (a TransientError)', async () => {
    const nowhere = new VonageProvider({
      destinations,
      baseUrl: await closedPortUrl(),
      apiKey,
      apiSecret,
      from: 'Aviso',
    });
    const err = await failureOf(nowhere.send(sms()));
    expect(err).toBeInstanceOf(TransientError);
    expect(err).toBeInstanceOf(ProviderDownError);
  });

  it('gets signed receipts by GET that verify and parse, and refuses tampered or unsigned ones', async () => {
    const result = await provider.send(sms({ text: spanish }));
    const [first, second] = result.segmentIds ?? [];
    expect(await fake.sendReceipt(first ?? '', 'delivered', { method: 'GET' })).toBe(204);
    const request = receiver.received[0];
    expect(request?.method).toBe('GET');
    const params = Object.fromEntries(new URL(request?.url ?? '', receiver.url).searchParams);
    expect(params).toMatchObject({
      messageId: first,
      msisdn: '34600111222',
      to: '34911222333',
      status: 'delivered',
      'err-code': '0',
      'client-ref': 'msg_01JTEST',
      'network-code': '21401',
    });
    expect(params.scts).toMatch(/^\d{10}$/);
    expect(params['message-timestamp']).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    expect(verifyVonageSignature(params, signatureSecret)).toBe(true);
    expect(verifyVonageSignature({ ...params, status: 'failed' }, signatureSecret)).toBe(false);
    expect(verifyVonageSignature(params, 'another-secret')).toBe(false);
    const { sig: _sig, ...unsigned } = params;
    expect(verifyVonageSignature(unsigned, signatureSecret)).toBe(false);
    expect(parseVonageReceipt(params)).toEqual({
      providerMessageId: first,
      status: 'delivered',
      at: new Date(`${params['message-timestamp']?.replace(' ', 'T')}Z`),
      providerStatus: 'delivered',
    });

    expect(
      await fake.sendReceipt(second ?? '', 'failed', { method: 'POST', errCode: '3', badSignature: true }),
    ).toBe(204);
    const posted = receiver.received[1];
    expect(posted?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    const postedParams = Object.fromEntries(new URLSearchParams(posted?.body));
    expect(postedParams.messageId).toBe(second);
    expect(verifyVonageSignature(postedParams, signatureSecret)).toBe(false);
  });

  it('verifies receipts signed with an HMAC method, posted as a form', async () => {
    const hmacFake = await startFakeVonage({ apiKey, apiSecret, signatureSecret, signatureMethod: 'sha256' });
    const hmac = new VonageProvider({
      destinations,
      baseUrl: hmacFake.url,
      apiKey,
      apiSecret,
      from: 'Aviso',
      callbackUrl: `${receiver.url}/dlr?provider=prv_3`,
    });
    const { providerMessageId } = await hmac.send(sms());
    expect(
      await hmacFake.sendReceipt(providerMessageId ?? '', 'failed', { method: 'POST', errCode: '9' }),
    ).toBe(204);
    const params = Object.fromEntries(new URLSearchParams(receiver.received[0]?.body));
    expect(params.sig).toMatch(/^[0-9a-f]{64}$/);
    expect(verifyVonageSignature(params, signatureSecret, 'sha256')).toBe(true);
    expect(verifyVonageSignature(params, signatureSecret, 'md5hash')).toBe(false);
    expect(parseVonageReceipt(params)).toMatchObject({
      status: 'failed',
      errorCode: '9',
      errorText: 'Illegal number',
      permanent: true,
    });
    await hmacFake.close();
  });
});

describe('vonageSignature', () => {
  const params = {
    msisdn: '34600111222',
    messageId: '0A0000000123ABCD',
    status: 'delivered',
    'client-ref': 'a=b&c',
    timestamp: '1795000000',
    sig: 'ignored',
  };
  // Sorted by name, "&" and "=" in values turned into "_", sig left out.
  const data =
    '&client-ref=a_b_c&messageId=0A0000000123ABCD&msisdn=34600111222&status=delivered&timestamp=1795000000';
  const now = 1_795_000_000_000;

  it('md5hash is MD5 of the parameter string followed by the secret', () => {
    const expected = createHash('md5')
      .update(data + signatureSecret)
      .digest('hex');
    expect(vonageSignature(params, signatureSecret)).toBe(expected);
    expect(verifyVonageSignature({ ...params, sig: expected }, signatureSecret, 'md5hash', now)).toBe(true);
    expect(
      verifyVonageSignature({ ...params, sig: expected.toUpperCase() }, signatureSecret, 'md5hash', now),
    ).toBe(true);
  });

  it.each(['md5', 'sha1', 'sha256', 'sha512'] as const)('%s is an HMAC keyed with the secret', (method) => {
    const expected = createHmac(method, signatureSecret).update(data).digest('hex');
    expect(vonageSignature(params, signatureSecret, method)).toBe(expected);
    expect(
      verifyVonageSignature({ ...params, sig: expected.toUpperCase() }, signatureSecret, method, now),
    ).toBe(true);
  });

  it('refuses a timestamp more than 5 minutes off, or none', () => {
    const sig = vonageSignature(params, signatureSecret);
    const signed = { ...params, sig };
    expect(verifyVonageSignature(signed, signatureSecret, 'md5hash', now + 4 * 60_000)).toBe(true);
    expect(verifyVonageSignature(signed, signatureSecret, 'md5hash', now + 6 * 60_000)).toBe(false);
    expect(verifyVonageSignature(signed, signatureSecret, 'md5hash', now - 6 * 60_000)).toBe(false);
    const { timestamp: _t, ...noTime } = params;
    const noTimeSigned = { ...noTime, sig: vonageSignature(noTime, signatureSecret) };
    expect(verifyVonageSignature(noTimeSigned, signatureSecret, 'md5hash', now)).toBe(false);
  });
});

describe('parseVonageReceipt', () => {
  const now = new Date('2026-11-22T10:30:00Z');
  const receipt = (status: string, extra: Record<string, string> = {}) => ({
    msisdn: '34600111222',
    to: 'Aviso',
    'network-code': '21401',
    messageId: '0A0000000123ABCD',
    price: '0.03330000',
    status,
    scts: '2611221001',
    'err-code': '0',
    'message-timestamp': '2026-11-22 10:01:05',
    'client-ref': 'msg_01JTEST',
    ...extra,
  });

  it.each(['accepted', 'buffered', 'unknown'])('%s → nothing', (status) => {
    expect(parseVonageReceipt(receipt(status), now)).toBeNull();
  });

  it('delivered and expired, timed by message-timestamp', () => {
    expect(parseVonageReceipt(receipt('delivered'), now)).toEqual({
      providerMessageId: '0A0000000123ABCD',
      status: 'delivered',
      at: new Date('2026-11-22T10:01:05Z'),
      providerStatus: 'delivered',
    });
    expect(parseVonageReceipt(receipt('expired'), now)).toMatchObject({ status: 'expired' });
  });

  it.each([
    ['failed', '1', false],
    ['failed', '2', false],
    ['failed', '3', true],
    ['failed', '4', true],
    ['failed', '6', false],
    ['rejected', '9', true],
    ['rejected', '12', true],
    ['failed', '99', false],
  ])('%s with err-code %s → failed, permanent %s', (status, code, permanent) => {
    expect(parseVonageReceipt(receipt(status, { 'err-code': code }), now)).toMatchObject({
      status: 'failed',
      providerStatus: status,
      errorCode: code,
      permanent,
    });
  });

  it('falls back to scts, then to now', () => {
    expect(parseVonageReceipt(receipt('delivered', { 'message-timestamp': '' }), now)?.at).toEqual(
      new Date('2026-11-22T10:01:00Z'),
    );
    expect(
      parseVonageReceipt(receipt('delivered', { 'message-timestamp': '2026-13-40 25:00:00', scts: 'x' }), now)
        ?.at,
    ).toEqual(now);
  });

  it('needs a message id', () => {
    expect(parseVonageReceipt({ status: 'delivered' }, now)).toBeNull();
  });
});

describe('classifyVonageStatus', () => {
  it.each([
    ['1', 'Throttled', 'transient'],
    ['5', 'Internal Error', 'transient'],
    ['4', 'Bad Credentials', 'down'],
    ['8', 'Account barred', 'down'],
    ['9', 'Quota Exceeded - rejected', 'down'],
    ['2', 'Missing to param', 'failure'],
    ['3', 'Invalid to number', 'bounce'],
    ['3', 'Invalid ttl', 'failure'],
    ['6', 'Invalid message', 'failure'],
    ['7', 'Number barred', 'bounce'],
    ['15', 'Illegal Sender Address - rejected', 'failure'],
    ['29', 'Non White-listed Destination - rejected', 'failure'],
  ])('status %s (%s) → %s', (status, text, verdict) => {
    const err = classifyVonageStatus(status, text);
    expect(err.details).toMatchObject({ errorCode: status, response: text });
    if (verdict === 'down') expect(err).toBeInstanceOf(ProviderDownError);
    else if (verdict === 'transient') {
      expect(err).toBeInstanceOf(TransientError);
      expect(err).not.toBeInstanceOf(ProviderDownError);
    } else {
      expect(err).toBeInstanceOf(PermanentError);
      expect((err as PermanentError).kind).toBe(verdict);
    }
  });
});
