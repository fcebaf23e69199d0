// Delivery feedback end to end, through the real API, worker, SMTP relay (a local sink that
// accepts), inbound SMTP listener and webhook dispatcher: a message is sent with its own VERP
// return path, a DSN for it comes back over SMTP, the message ends bounced, the recipient is
// suppressed, the next send to it is suppressed, and the customer's endpoint hears about it
// with a signature the Standard Webhooks library accepts. Also: complaints by the inbound
// API, send-time refusals, soft bounces, the bypass for 2FA templates, the suppression API
// with its CSV import and audit, and the events API.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import nodemailer from 'nodemailer';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { type SmtpSink, startSmtpSink } from './helpers/smtp-sink.ts';

const bounceDomain = 'bounces.aviso.test';

let sink: SmtpSink;
let aviso: TestAviso;
let receiver: Receiver;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

interface Receiver {
  url: string;
  received: Received[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** An RFC 3464 report as Postfix writes it, about one recipient of one of our messages. */
function dsn(options: {
  to: string;
  recipient: string;
  messageIdHeader: string;
  status: string;
  diagnostic: string;
  action?: string;
}): string {
  return [
    'From: MAILER-DAEMON@mx.example.com (Mail Delivery System)',
    `To: ${options.to}`,
    'Subject: Undelivered Mail Returned to Sender',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="BOUNDARY"',
    'Message-Id: <20261123101500.ABC123@mx.example.com>',
    '',
    '--BOUNDARY',
    'Content-Type: text/plain; charset=us-ascii',
    '',
    'This is the mail system at host mx.example.com.',
    '',
    "I'm sorry to have to inform you that your message could not",
    'be delivered to one or more recipients.',
    '',
    `<${options.recipient}>: host mx.example.com said: ${options.diagnostic}`,
    '',
    '--BOUNDARY',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.com',
    'Arrival-Date: Mon, 23 Nov 2026 10:15:00 +0000',
    '',
    `Final-Recipient: rfc822; ${options.recipient}`,
    `Original-Recipient: rfc822;${options.recipient}`,
    `Action: ${options.action ?? 'failed'}`,
    `Status: ${options.status}`,
    'Remote-MTA: dns; mx.example.com',
    `Diagnostic-Code: smtp; ${options.diagnostic}`,
    '',
    '--BOUNDARY',
    'Content-Type: text/rfc822-headers',
    '',
    'From: Aviso Tests <tests@aviso.test>',
    `To: ${options.recipient}`,
    'Subject: Your order',
    `Message-ID: ${options.messageIdHeader}`,
    '',
    '--BOUNDARY--',
    '',
  ].join('\r\n');
}

/** An RFC 5965 complaint quoting our message, as a mailbox provider's feedback loop sends it. */
function arf(recipient: string, messageIdHeader: string): string {
  return [
    'From: staff@fbl.example.net',
    'To: fbl@aviso.test',
    'Subject: FW: Your order',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=feedback-report; boundary="ARF"',
    '',
    '--ARF',
    'Content-Type: text/plain',
    '',
    'This is an email abuse report for an email message received from IP 192.0.2.1.',
    '',
    '--ARF',
    'Content-Type: message/feedback-report',
    '',
    'Feedback-Type: abuse',
    'User-Agent: SomeGenerator/1.0',
    'Version: 1',
    `Original-Rcpt-To: ${recipient}`,
    'Source-IP: 192.0.2.1',
    '',
    '--ARF',
    'Content-Type: message/rfc822',
    '',
    'From: Aviso Tests <tests@aviso.test>',
    `To: ${recipient}`,
    'Subject: Your order',
    `Message-ID: ${messageIdHeader}`,
    '',
    'Hello',
    '--ARF--',
    '',
  ].join('\r\n');
}

/** Delivers a raw message to the bounce listener, as a remote mail server would. */
async function mailToListener(from: string, to: string, raw: string) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: aviso.services.bounces?.port ?? 0,
    secure: false,
    ignoreTLS: true,
  });
  try {
    return await transport.sendMail({ envelope: { from, to: [to] }, raw });
  } finally {
    transport.close();
  }
}

async function send(body: Record<string, unknown>) {
  const res = await aviso.request('POST', '/v1/messages', {
    body: { subject: 'Your order', text: 'Hello', ...body },
  });
  expect(res.status).toBe(202);
  return res.body as { id: string; status: string; suppression?: { reason: string } };
}

async function events(id: string): Promise<{ type: string; details: Record<string, unknown> }[]> {
  const res = await aviso.request('GET', `/v1/messages/${id}`);
  return res.body.events;
}

async function waitFor<T>(
  what: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await what();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  sink = await startSmtpSink();
  receiver = await startReceiver();
  aviso = await startTestAviso({
    AVISO_SMTP_URL: sink.url,
    AVISO_BOUNCE_DOMAIN: bounceDomain,
    AVISO_BOUNCE_SMTP_PORT: '0',
    AVISO_BOUNCE_SMTP_HOST: '127.0.0.1',
    AVISO_WEBHOOKS_ALLOW_PRIVATE: 'true',
    AVISO_WEBHOOK_RETRY_SECONDS: '0.2,0.2',
  });
});

afterAll(async () => {
  await aviso?.stop();
  await sink?.close();
  await receiver?.close();
});

describe('a bounce, end to end', () => {
  it('sends with a VERP return path, takes the DSN over SMTP, bounces, suppresses and tells the webhook', async () => {
    const endpoint = await aviso.request('POST', '/v1/webhooks', {
      body: { url: receiver.url, eventTypes: ['bounced', 'suppressed'] },
    });
    expect(endpoint.status).toBe(201);

    const first = await send({ to: 'Ana.Gomez@Example.com' });
    await aviso.waitForStatus(first.id, ['sent']);
    const [mail] = await sink.waitFor(1);
    const returnPath = mail?.from ?? '';
    expect(returnPath).toMatch(new RegExp(`^bounces\\+${first.id}-[0-9a-f]{10}@${bounceDomain}$`));
    const sent = (await events(first.id)).find((e) => e.type === 'sent');
    const messageIdHeader = sent?.details.messageId as string;

    const report = dsn({
      to: returnPath,
      recipient: 'ana.gomez@example.com',
      messageIdHeader,
      status: '5.1.1',
      diagnostic: '550 5.1.1 <ana.gomez@example.com>: Recipient address rejected: User unknown',
    });
    const answer = await mailToListener('', returnPath, report);
    expect(answer.response).toMatch(/^250/);

    const bounced = await aviso.waitForStatus(first.id, ['bounced']);
    const event = bounced.events.find((e: { type: string }) => e.type === 'bounced');
    expect(event.details).toMatchObject({
      bounceType: 'hard',
      hardBounce: true,
      reason: 'userunknown',
      status: '5.1.1',
      replyCode: '550',
      source: 'dsn',
      recipient: 'ana.gomez@example.com',
    });

    const suppressed = await aviso.request('GET', '/v1/suppressions/ana.gomez@example.com');
    expect(suppressed.status).toBe(200);
    expect(suppressed.body.suppressions).toEqual([
      expect.objectContaining({
        stream: 'transactional',
        reason: 'hard-bounce',
        messageId: first.id,
        createdBy: 'system',
        details: expect.objectContaining({ bounceReason: 'userunknown', status: '5.1.1' }),
      }),
    ]);
    expect(suppressed.body.history[0]).toMatchObject({
      action: 'added',
      reason: 'hard-bounce',
      actor: 'system',
    });

    // The same DSN again (a retrying server) records nothing new.
    await mailToListener('', returnPath, report);
    expect((await events(first.id)).filter((e) => e.type === 'bounced')).toHaveLength(1);
    // Forwarded by a relay without the envelope: the DSN's To names the return path.
    const forwarded = await aviso.request('POST', '/v1/inbound/bounce', {
      raw: report,
      headers: { 'content-type': 'message/rfc822' },
    });
    expect(forwarded.body.outcomes).toEqual([
      expect.objectContaining({ recipient: returnPath, messageId: first.id, ignored: 'already recorded' }),
    ]);

    // The next send to the address is suppressed, visibly, with the reason; the other stream is not.
    const second = await send({ to: 'ana.gomez@example.com' });
    expect(second.status).toBe('suppressed');
    expect(second.suppression?.reason).toBe('hard-bounce');
    const stored = await aviso.request('GET', `/v1/messages/${second.id}`);
    expect(stored.body.status).toBe('suppressed');
    expect(stored.body.events.map((e: { type: string }) => e.type)).toEqual(['accepted', 'suppressed']);
    expect(stored.body.events[1].details).toEqual({
      reason: 'hard-bounce',
      stream: 'transactional',
      since: suppressed.body.suppressions[0].createdAt,
    });
    const promotional = await send({ to: 'ana.gomez@example.com', stream: 'promotional' });
    expect(promotional.status).toBe('queued');

    const batch = await aviso.request('POST', '/v1/messages/batch', {
      body: {
        messages: [
          { to: 'ana.gomez@example.com', subject: 'a', text: 'a' },
          { to: 'bea@example.com', subject: 'b', text: 'b' },
        ],
      },
    });
    expect(batch.body.data.map((d: { status: string }) => d.status)).toEqual(['suppressed', 'queued']);

    // The webhook endpoint heard of the bounce and of the suppressed sends, signed.
    const hooks = await waitFor(() => (receiver.received.length >= 3 ? receiver.received : undefined));
    const secret = (await aviso.request('GET', `/v1/webhooks/${endpoint.body.id}/secret`)).body.secret;
    const verifier = new Webhook(secret);
    const payloads = hooks.map((h) => verifier.verify(h.body, h.headers as Record<string, string>)) as {
      type: string;
      timestamp: string;
      data: { messageId?: string; message: { id: string }; details: Record<string, unknown> };
    }[];
    const bounceHook = payloads.find((p) => p.type === 'message.bounced');
    expect(bounceHook?.data.message.id).toBe(first.id);
    expect(bounceHook?.data.details).toMatchObject({ reason: 'userunknown', hardBounce: true });
    expect(new Date(bounceHook?.timestamp ?? 0).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(payloads.filter((p) => p.type === 'message.suppressed').map((p) => p.data.message.id)).toContain(
      second.id,
    );
    const tampered = { ...hooks[0], body: (hooks[0] as Received).body.replace('message.', 'massage.') };
    expect(() => verifier.verify(tampered.body, tampered.headers as Record<string, string>)).toThrow();
  });

  it('refuses mail for other domains and ignores auto-replies', async () => {
    await expect(
      mailToListener('someone@example.org', 'postmaster@example.org', 'Subject: hi\r\n\r\nhi'),
    ).rejects.toThrow(/relay access denied/);
    const message = await send({ to: 'carla@example.com' });
    await aviso.waitForStatus(message.id, ['sent']);
    const returnPath = sink.received.find((m) => m.to.includes('carla@example.com'))?.from ?? '';
    const autoReply = [
      'From: carla@example.com',
      `To: ${returnPath}`,
      'Subject: Out of office: Your order',
      'Auto-Submitted: auto-replied',
      '',
      'I am away until Monday.',
      '',
    ].join('\r\n');
    await mailToListener('carla@example.com', returnPath, autoReply);
    await new Promise((r) => setTimeout(r, 200));
    expect((await events(message.id)).map((e) => e.type)).not.toContain('bounced');
    expect((await aviso.request('GET', `/v1/messages/${message.id}`)).body.status).toBe('sent');
  });

  it('records a delay notice as deferred, not as a bounce', async () => {
    const message = await send({ to: 'slow@example.com' });
    await aviso.waitForStatus(message.id, ['sent']);
    const returnPath = sink.received.find((m) => m.to.includes('slow@example.com'))?.from ?? '';
    const header = (await events(message.id)).find((e) => e.type === 'sent')?.details.messageId as string;
    const report = dsn({
      to: returnPath,
      recipient: 'slow@example.com',
      messageIdHeader: header,
      status: '4.4.1',
      diagnostic: '421 4.4.1 Connection timed out',
      action: 'delayed',
    });
    await mailToListener('', returnPath, report);
    const deferred = await waitFor(async () => (await events(message.id)).find((e) => e.type === 'deferred'));
    expect(deferred.details).toMatchObject({ delayed: true, status: '4.4.1', source: 'dsn' });
    expect((await aviso.request('GET', `/v1/messages/${message.id}`)).body.status).toBe('sent');
    expect((await aviso.request('GET', '/v1/suppressions/slow@example.com')).body.suppressions).toEqual([]);
  });

  it('keeps a diagnostic with NUL and control characters as clean, bounded text', async () => {
    for (const [to, via] of [
      ['nul-api@example.com', 'api'],
      ['nul-smtp@example.com', 'smtp'],
    ] as const) {
      const message = await send({ to });
      await aviso.waitForStatus(message.id, ['sent']);
      const returnPath = sink.received.find((m) => m.to.includes(to))?.from ?? '';
      const header = (await events(message.id)).find((e) => e.type === 'sent')?.details.messageId as string;
      const report = dsn({
        to: returnPath,
        recipient: to,
        messageIdHeader: header,
        status: '5.1.1',
        diagnostic: `550 5.1.1 No such user\u0000\u001b[31m ${'x'.repeat(5000)}`,
      });
      if (via === 'api') {
        const res = await aviso.request('POST', '/v1/inbound/bounce', {
          raw: report,
          headers: { 'content-type': 'message/rfc822' },
        });
        expect(res.status).toBe(200);
      } else {
        await mailToListener('', returnPath, report);
      }
      const bounced = await waitFor(async () => (await events(message.id)).find((e) => e.type === 'bounced'));
      const diagnostic = bounced.details.diagnostic as string;
      expect(diagnostic).toMatch(/^550 5\.1\.1 No such user/);
      expect([...diagnostic].some((c) => c.charCodeAt(0) < 0x20)).toBe(false);
      expect(Array.from(diagnostic).length).toBeLessThanOrEqual(1000);
    }
  });

  it('refuses a return path whose tag was forged', async () => {
    const message = await send({ to: 'dora@example.com' });
    await aviso.waitForStatus(message.id, ['sent']);
    const forged = `bounces+${message.id}-0000000000@${bounceDomain}`;
    const report = dsn({
      to: forged,
      recipient: 'dora@example.com',
      messageIdHeader: '<not-ours@example.com>',
      status: '5.1.1',
      diagnostic: '550 5.1.1 user unknown',
    });
    await mailToListener('', forged, report);
    await new Promise((r) => setTimeout(r, 200));
    expect((await aviso.request('GET', `/v1/messages/${message.id}`)).body.status).toBe('sent');
  });
});

describe('complaints and send-time refusals', () => {
  it('a complaint by POST /v1/inbound/bounce suppresses the recipient on every stream', async () => {
    const message = await send({ to: 'eva@example.com', stream: 'promotional' });
    await aviso.waitForStatus(message.id, ['sent']);
    const header = (await events(message.id)).find((e) => e.type === 'sent')?.details.messageId as string;
    const res = await aviso.request('POST', '/v1/inbound/bounce', {
      raw: arf('eva@example.com', header),
      headers: { 'content-type': 'message/rfc822' },
    });
    expect(res.status).toBe(200);
    expect(res.body.kind).toBe('complaint');
    expect(res.body.outcomes[0]).toMatchObject({ messageId: message.id, event: 'complained' });
    const complained = (await events(message.id)).find((e) => e.type === 'complained');
    expect(complained?.details).toMatchObject({ feedbackType: 'abuse', source: 'arf' });
    const list = await aviso.request('GET', '/v1/suppressions?search=eva@');
    expect(
      list.body.data.map((s: { stream: string; reason: string }) => `${s.stream}:${s.reason}`).sort(),
    ).toEqual(['promotional:complaint', 'transactional:complaint']);
    // Another project's key sees nothing of it and cannot report on it.
    const other = await aviso.otherProjectKey();
    const foreign = await aviso.request('POST', '/v1/inbound/bounce', {
      key: other,
      raw: arf('eva@example.com', header),
      headers: { 'content-type': 'message/rfc822' },
    });
    expect(foreign.body.outcomes[0]).toMatchObject({ messageId: null, event: null });
    expect((await aviso.request('GET', '/v1/suppressions', { key: other })).body.data).toEqual([]);
  });

  it('a recipient refused at RCPT TO is bounced and suppressed at once', async () => {
    sink.rcpt = (address) =>
      address === 'gone@example.com'
        ? { code: 550, message: '5.1.1 <gone@example.com>: User unknown' }
        : undefined;
    try {
      const message = await send({ to: 'gone@example.com' });
      const bounced = await aviso.waitForStatus(message.id, ['bounced']);
      const event = bounced.events.find((e: { type: string }) => e.type === 'bounced');
      expect(event.details).toMatchObject({ hardBounce: true, reason: 'userunknown', source: 'smtp' });
      const found = await waitFor(async () => {
        const res = await aviso.request('GET', '/v1/suppressions/gone@example.com');
        return res.body.suppressions.length > 0 ? res.body.suppressions : undefined;
      });
      expect(found[0]).toMatchObject({ reason: 'hard-bounce', stream: 'transactional' });
    } finally {
      sink.rcpt = undefined;
    }
  });

  it('soft bounces suppress only when they repeat within the project’s window', async () => {
    const patched = await aviso.request('PATCH', '/v1/project', {
      body: { softBounces: { limit: 2, days: 7 } },
    });
    expect(patched.body.softBounces).toEqual({ limit: 2, days: 7 });
    const bounceOnce = async () => {
      const message = await send({ to: 'full@example.com' });
      await aviso.waitForStatus(message.id, ['sent']);
      const header = (await events(message.id)).find((e) => e.type === 'sent')?.details.messageId as string;
      const res = await aviso.request('POST', '/v1/inbound/bounce', {
        raw: dsn({
          to: 'nobody@example.com',
          recipient: 'full@example.com',
          messageIdHeader: header,
          status: '5.2.2',
          diagnostic: '552 5.2.2 Mailbox full: user is over quota',
        }),
        headers: { 'content-type': 'message/rfc822' },
      });
      expect(res.body.outcomes[0]).toMatchObject({ event: 'bounced' });
      return message.id;
    };
    const firstId = await bounceOnce();
    const bounced = (await events(firstId)).find((e) => e.type === 'bounced');
    expect(bounced?.details).toMatchObject({ bounceType: 'soft', reason: 'mailboxfull' });
    expect((await aviso.request('GET', '/v1/suppressions/full@example.com')).body.suppressions).toEqual([]);
    await bounceOnce();
    const after = await aviso.request('GET', '/v1/suppressions/full@example.com');
    expect(after.body.suppressions[0]).toMatchObject({
      reason: 'soft-bounces',
      details: expect.objectContaining({ softBounces: 2, withinDays: 7 }),
    });
    await aviso.request('PATCH', '/v1/project', { body: { softBounces: { limit: 5 } } });
  });
});

describe('suppressions API', () => {
  it('adds, imports, searches, removes with an audit, and 2FA templates bypass bounce suppressions only', async () => {
    const bad = await aviso.request('POST', '/v1/suppressions', { body: { address: 'not an address' } });
    expect(bad.status).toBe(422);
    expect(bad.body.error).toMatchObject({ code: 'invalid_value', path: 'address' });

    const added = await aviso.request('POST', '/v1/suppressions', {
      body: { address: 'Manual@Example.com', streams: ['promotional'], note: 'asked by phone' },
    });
    expect(added.status).toBe(201);
    expect(added.body).toEqual({ address: 'manual@example.com', added: ['promotional'] });

    const csv =
      'email,stream,note\nimport1@example.com,,from old ESP\n"import2@example.com",promotional,\nnope,,\n+34600111222,transactional,sms\nimport3@example.com,weekly,\n';
    const imported = await aviso.request('POST', '/v1/suppressions/import', {
      raw: csv,
      headers: { 'content-type': 'text/csv' },
    });
    expect(imported.status).toBe(200);
    expect(imported.body.added).toBe(4);
    expect(imported.body.problems.map((p: { line: number }) => p.line)).toEqual([4, 6]);
    const again = await aviso.request('POST', '/v1/suppressions/import', {
      raw: 'import1@example.com\n',
      headers: { 'content-type': 'text/csv' },
    });
    expect(again.body).toMatchObject({ added: 0, alreadySuppressed: 2 });

    const page1 = await aviso.request('GET', '/v1/suppressions?search=import&limit=2');
    expect(page1.body.data).toHaveLength(2);
    const page2 = await aviso.request(
      'GET',
      `/v1/suppressions?search=import&limit=2&cursor=${page1.body.nextCursor}`,
    );
    const all = [...page1.body.data, ...page2.body.data].map(
      (s: { address: string; stream: string }) => `${s.address}/${s.stream}`,
    );
    expect(new Set(all).size).toBe(all.length);
    expect(all).toHaveLength(3);

    const removed = await aviso.request(
      'DELETE',
      '/v1/suppressions/import1@example.com?stream=transactional&note=customer%20fixed%20it',
    );
    expect(removed.status).toBe(200);
    expect(removed.body.removed).toEqual([{ stream: 'transactional', reason: 'manual' }]);
    const history = (await aviso.request('GET', '/v1/suppressions/import1@example.com')).body.history;
    expect(history[0]).toMatchObject({
      action: 'removed',
      stream: 'transactional',
      note: 'customer fixed it',
    });
    expect(history[0].actor).toMatch(/^key_/);
    expect(
      (await aviso.request('DELETE', '/v1/suppressions/import1@example.com?stream=transactional')).status,
    ).toBe(404);

    // A template marked to bypass bounce suppressions goes through a hard bounce, not a manual suppression.
    const template = await aviso.request('POST', '/v1/templates', {
      body: {
        key: 'login-code',
        name: 'Login code',
        bypassBounceSuppression: true,
        locales: { en: { email: { subject: 'Your code', text: 'Code: {{ code }}' } } },
      },
    });
    expect(template.status).toBe(201);
    expect((await aviso.request('POST', '/v1/templates/login-code/publish')).status).toBe(201);
    const viaTemplate = await aviso.request('POST', '/v1/messages', {
      body: { to: 'ana.gomez@example.com', template: 'login-code', data: { code: '123456' } },
    });
    expect(viaTemplate.body.status).toBe('queued');
    await aviso.request('POST', '/v1/suppressions', { body: { address: 'vip@example.com' } });
    const blocked = await aviso.request('POST', '/v1/messages', {
      body: { to: 'vip@example.com', template: 'login-code', data: { code: '123456' } },
    });
    expect(blocked.body).toMatchObject({ status: 'suppressed', suppression: { reason: 'manual' } });
  });
});

describe('events API', () => {
  it('lists events across messages by type, pages with a cursor and follows with after', async () => {
    const bounced = await aviso.request('GET', '/v1/events?type=bounced,complained');
    expect(bounced.status).toBe(200);
    expect(bounced.body.data.length).toBeGreaterThanOrEqual(3);
    for (const e of bounced.body.data) expect(['bounced', 'complained']).toContain(e.type);
    const ids = bounced.body.data.map((e: { id: string }) => Number(e.id));
    expect([...ids].sort((a, b) => b - a)).toEqual(ids);

    const page = await aviso.request('GET', '/v1/events?limit=3');
    const next = await aviso.request('GET', `/v1/events?limit=3&cursor=${page.body.nextCursor}`);
    expect(Number(next.body.data[0].id)).toBeLessThan(Number(page.body.data[2].id));

    const newest = page.body.data[0].id;
    const message = await send({ to: 'follow@example.com' });
    const followed = await aviso.request('GET', `/v1/events?after=${newest}`);
    expect(followed.body.data[0]).toMatchObject({
      type: 'accepted',
      messageId: message.id,
      to: 'follow@example.com',
    });

    const wrong = await aviso.request('GET', '/v1/events?type=bouncd');
    expect(wrong.status).toBe(422);
    expect(wrong.body.error).toMatchObject({ code: 'invalid_value', path: 'type' });
    expect((await aviso.request('GET', '/v1/events?cursor=zzz')).body.error.code).toBe('invalid_cursor');
  });
});
