// SMS end to end: providers configured through the API, messages sent by the worker to local
// fake Twilio and Vonage servers that speak their documented wire formats, and their signed
// callbacks arriving at /v1/callbacks. Covers delivery reports (also out of order, per
// segment, badly signed), permanent and transient errors, failover, rate limits and expiry.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { type FakeTwilio, startFakeTwilio } from './helpers/fake-twilio.ts';
import { type FakeVonage, startFakeVonage } from './helpers/fake-vonage.ts';

const twilioAccount = { accountSid: `AC${'1'.repeat(32)}`, authToken: 'twilio-auth-token' };
const vonageAccount = { apiKey: 'vonage-key', apiSecret: 'vonage-secret', signatureSecret: 'vonage-signing' };

let aviso: TestAviso;
let twilio: FakeTwilio;
let vonage: FakeVonage;

beforeAll(async () => {
  [aviso, twilio, vonage] = await Promise.all([
    // The fake providers listen on 127.0.0.1.
    startTestAviso({ AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' }),
    startFakeTwilio(twilioAccount),
    startFakeVonage(vonageAccount),
  ]);
});

afterAll(async () => {
  await Promise.all([aviso?.stop(), twilio?.close(), vonage?.close()]);
});

/** Removes every provider, so each test sets up its own. */
afterEach(async () => {
  const list = await aviso.request('GET', '/v1/providers');
  for (const p of list.body.data) await aviso.request('DELETE', `/v1/providers/${p.id}`);
});

async function addProvider(body: Record<string, unknown>) {
  const res = await aviso.request('POST', '/v1/providers', { body });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  // The worker hears of the change by NOTIFY; give it a moment.
  await new Promise((r) => setTimeout(r, 50));
  return res.body;
}

const addTwilio = (extra: Record<string, unknown> = {}) =>
  addProvider({
    name: 'twilio',
    type: 'twilio',
    config: { ...twilioAccount, from: 'Acme', baseUrl: twilio.url },
    ...extra,
  });

const addVonage = (extra: Record<string, unknown> = {}, config: Record<string, unknown> = {}) =>
  addProvider({
    name: 'vonage',
    type: 'vonage',
    config: { ...vonageAccount, from: 'Acme', baseUrl: vonage.url, ...config },
    ...extra,
  });

const sendSms = async (body: Record<string, unknown>) => {
  const res = await aviso.request('POST', '/v1/messages', { body: { to: '+34600111222', ...body } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id as string;
};

const types = (message: { events: { type: string }[] }) => message.events.map((e) => e.type);

describe('Twilio', () => {
  it('sends, then follows signed status callbacks; a late "sent" never moves it back', async () => {
    const provider = await addTwilio();
    expect(provider.config.authToken).toMatch(/^••••/);
    expect(provider.callbackUrl).toBe(`${aviso.url}/v1/callbacks/twilio/${provider.id}`);
    const id = await sendSms({ text: 'Tu pedido #1234 ha salido. ¿Dudas? Responde a este SMS.' });
    const sent = await aviso.waitForStatus(id, ['sent', 'failed', 'deferred']);
    expect(sent.status).toBe('sent');
    const request = twilio.sent.find((m) => m.sid === sent.providerMessageId);
    expect(request).toMatchObject({ to: '+34600111222', from: 'Acme', statusCallback: provider.callbackUrl });
    expect(request?.body).toBe('Tu pedido #1234 ha salido. ¿Dudas? Responde a este SMS.');

    expect(await twilio.sendStatus(sent.providerMessageId, 'delivered')).toBe(204);
    expect(await twilio.sendStatus(sent.providerMessageId, 'sent')).toBe(204);
    expect(await twilio.sendStatus(sent.providerMessageId, 'delivered')).toBe(204);
    const delivered = await aviso.waitForStatus(id, ['delivered']);
    expect(types(delivered)).toEqual(['accepted', 'sent', 'delivered']);
    expect(delivered.events[2].details).toMatchObject({ providerStatus: 'delivered' });
  });

  it('refuses a callback signed with another token (403) and records nothing', async () => {
    await addTwilio();
    const id = await sendSms({ text: 'hello' });
    const sent = await aviso.waitForStatus(id, ['sent']);
    expect(await twilio.sendStatus(sent.providerMessageId, 'delivered', { signWith: 'wrong-token' })).toBe(
      403,
    );
    const unsigned = await fetch(`${aviso.url}/v1/callbacks/twilio/${sent.provider}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `MessageSid=${sent.providerMessageId}&MessageStatus=delivered`,
    });
    expect(unsigned.status).toBe(403);
    expect(((await unsigned.json()) as { error: { code: string } }).error.code).toBe('invalid_signature');
    const after = await aviso.request('GET', `/v1/messages/${id}`);
    expect(after.body.status).toBe('sent');
    expect(types(after.body)).toEqual(['accepted', 'sent']);
  });

  it('fails a message to a landline for good (21614), without retrying', async () => {
    await addTwilio();
    twilio.failNumbers.set('+34910111222', {
      status: 400,
      code: 21614,
      message: "'To' number is not a valid mobile number",
    });
    const id = await sendSms({ to: '+34910111222', text: 'hello' });
    const failed = await aviso.waitForStatus(id, ['failed', 'sent', 'deferred']);
    expect(failed.status).toBe('failed');
    expect(failed.events.at(-1).details).toMatchObject({
      reason: 'recipient_rejected',
      errorCode: '21614',
      provider: 'twilio',
    });
    expect(failed.attempts).toBe(1);
  });

  it('an SMS whose validFor runs out before the retry ends as expired, not sent late', async () => {
    await addTwilio();
    twilio.failNext(1, { status: 503 });
    const id = await sendSms({ text: 'Your code: 123456', validFor: 10, priority: 'high' });
    const expired = await aviso.waitForStatus(id, ['expired', 'sent', 'deferred', 'failed']);
    expect(expired.status).toBe('expired');
    expect(types(expired)).toEqual(['accepted', 'expired']);
    expect(expired.events[1].details).toMatchObject({
      reason: 'validFor runs out before the next attempt',
      responseCode: 503,
    });
  });
});

describe('Vonage', () => {
  it('sends a long Spanish text with emoji as UCS-2 segments; delivered once every segment is', async () => {
    await addVonage();
    const text =
      'Hola Ana 👋, tu pedido #1234 está en camino y llegará el miércoles entre las 9 y las 14 h. ¡Gracias!';
    const id = await sendSms({ text });
    const sent = await aviso.waitForStatus(id, ['sent', 'failed', 'deferred']);
    expect(sent).toMatchObject({ status: 'sent', sms: { encoding: 'UCS-2', segments: 2 } });
    const request = vonage.sent.find((m) => m.messageIds.includes(sent.providerMessageId));
    expect(request).toMatchObject({ type: 'unicode', to: '34600111222', text, clientRef: id });
    const [first, second] = request?.messageIds ?? [];
    expect(await vonage.sendReceipt(first as string, 'delivered')).toBe(204);
    await new Promise((r) => setTimeout(r, 200));
    expect((await aviso.request('GET', `/v1/messages/${id}`)).body.status).toBe('sent');
    expect(await vonage.sendReceipt(second as string, 'delivered', { method: 'POST' })).toBe(204);
    const delivered = await aviso.waitForStatus(id, ['delivered']);
    expect(delivered.events.at(-1).details).toMatchObject({ segments: 2 });
  });

  it('refuses unsigned and badly signed receipts', async () => {
    await addVonage();
    const id = await sendSms({ text: 'hello' });
    const sent = await aviso.waitForStatus(id, ['sent']);
    expect(await vonage.sendReceipt(sent.providerMessageId, 'delivered', { badSignature: true })).toBe(403);
    expect(await vonage.sendReceipt(sent.providerMessageId, 'delivered', { signed: false })).toBe(403);
    expect((await aviso.request('GET', `/v1/messages/${id}`)).body.status).toBe('sent');
  });

  it('a failed segment fails the message, with the carrier error', async () => {
    await addVonage();
    const id = await sendSms({ text: 'hello' });
    const sent = await aviso.waitForStatus(id, ['sent']);
    expect(await vonage.sendReceipt(sent.providerMessageId, 'failed', { errCode: '1' })).toBe(204);
    const failed = await aviso.waitForStatus(id, ['failed']);
    expect(failed.events.at(-1)).toMatchObject({
      type: 'failed',
      details: { reason: 'undelivered', errorCode: '1' },
    });
  });
});

describe('failover and limits', () => {
  it('fails over to the next provider on a transient error, and skips a provider that is down', async () => {
    await addVonage({ position: 0 }, { apiSecret: 'wrong-secret' });
    await addTwilio({ position: 1 });
    const vonageBefore = vonage.sent.length;
    const first = await sendSms({ text: 'first' });
    const sent = await aviso.waitForStatus(first, ['sent', 'deferred', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', provider: 'twilio' });
    expect(sent.events.at(-1).details.failedOver).toEqual([
      { provider: 'vonage', error: expect.stringMatching(/credentials|Bad/i) },
    ]);
    // Vonage said its credentials are refused: its circuit is open, the next send goes
    // straight to Twilio.
    const second = await sendSms({ text: 'second' });
    const next = await aviso.waitForStatus(second, ['sent', 'deferred', 'failed']);
    expect(next).toMatchObject({ status: 'sent', provider: 'twilio' });
    expect(next.events.at(-1).details.failedOver).toEqual([
      { provider: 'vonage', error: expect.stringMatching(/circuit open/) },
    ]);
    expect(vonage.sent.length).toBe(vonageBefore);
  });

  it('fails over on a 5xx', async () => {
    await addTwilio({ position: 0 });
    await addVonage({ position: 1 });
    twilio.failNext(1, { status: 500 });
    const id = await sendSms({ text: 'hello' });
    const sent = await aviso.waitForStatus(id, ['sent', 'deferred', 'failed']);
    expect(sent).toMatchObject({ status: 'sent', provider: 'vonage' });
    expect(sent.events.at(-1).details.failedOver[0].provider).toBe('twilio');
  });

  it('keeps the retries of messages refused by an open circuit spread out, not due at one instant', async () => {
    // Refused credentials say "provider down": the first send opens the circuit, and every
    // message after it is postponed until the circuit lets a trial through (~30 s).
    await addTwilio({ config: { ...twilioAccount, authToken: 'wrong', from: 'Acme', baseUrl: twilio.url } });
    const count = 200;
    const res = await aviso.request('POST', '/v1/messages/batch', {
      body: { messages: Array.from({ length: count }, (_, i) => ({ to: '+34600111222', text: `c${i}` })) },
    });
    expect(res.status).toBe(200);
    const ids: string[] = res.body.data.map((m: { id: string }) => m.id);
    try {
      for (const id of ids) await aviso.waitForStatus(id, ['deferred', 'sent', 'failed']);
      const jobs = await aviso.database.db
        .selectFrom('delivery_jobs')
        .select('run_at')
        .where('message_id', 'in', ids)
        .execute();
      expect(jobs).toHaveLength(count);
      const due = jobs.map((j) => j.run_at.getTime()).sort((a, b) => a - b);
      const spread = (due.at(-1) as number) - (due[0] as number);
      // The most jobs due within any 10 ms.
      let crowd = 0;
      for (let i = 0, j = 0; i < due.length; i++) {
        while ((due[i] as number) - (due[j] as number) > 10) j++;
        crowd = Math.max(crowd, i - j + 1);
      }
      console.log(`circuit open: ${count} retries due over ${spread} ms, at most ${crowd} within 10 ms`);
      expect(spread).toBeGreaterThan(5_000);
      expect(crowd).toBeLessThan(count / 10);
    } finally {
      await aviso.database.db.deleteFrom('delivery_jobs').where('message_id', 'in', ids).execute();
    }
  });

  it('keeps to the configured rate (measured at the provider)', async () => {
    await addTwilio({ rateLimit: 20 });
    const count = 60;
    const before = twilio.sent.length;
    const res = await aviso.request('POST', '/v1/messages/batch', {
      body: { messages: Array.from({ length: count }, (_, i) => ({ to: '+34600111222', text: `n${i}` })) },
    });
    expect(res.status).toBe(200);
    for (const item of res.body.data) await aviso.waitForStatus(item.id, ['sent'], 20_000);
    const arrivals = twilio.sent.slice(before).map((m) => m.receivedAt.getTime());
    expect(arrivals).toHaveLength(count);
    // A token bucket: a burst of one second's worth (20), then 20/s. By any time t after the
    // first send, at most 20 + 20·t sends (100 ms allowed for network jitter).
    const first = arrivals[0] as number;
    for (const [i, t] of arrivals.entries()) {
      if (i < 20) continue;
      expect(t - first).toBeGreaterThanOrEqual(((i + 1 - 20) / 20) * 1000 - 100);
    }
    const rate = (count - 20) / (((arrivals.at(-1) as number) - first) / 1000);
    console.log(`rate limit 20/s: ${count} sends; after the burst of 20, measured ${rate.toFixed(1)}/s`);
    expect(rate).toBeLessThanOrEqual(22);
  });
});
