// Internationalised addresses end to end through real SMTP servers: domains travel as A-labels
// (envelope, Message-ID, DKIM), and a non-ASCII local part goes out with SMTPUTF8 when the
// relay offers it and fails with its reason, never garbled, when it does not (RFC 6531).
import { domainToASCII } from 'node:url';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDomain, listDomains } from '../src/channels/email/domains.ts';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { type SmtpSink, startSmtpSink } from './helpers/smtp-sink.ts';

let offering: SmtpSink;
let plain: SmtpSink;
let viaOffering: TestAviso;
let viaPlain: TestAviso;

beforeAll(async () => {
  offering = await startSmtpSink();
  plain = await startSmtpSink({ hideSmtpUtf8: true });
  viaOffering = await startTestAviso({ AVISO_SMTP_URL: offering.url });
  viaPlain = await startTestAviso({ AVISO_SMTP_URL: plain.url });
});

afterAll(async () => {
  await viaOffering?.stop();
  await viaPlain?.stop();
  await offering?.close();
  await plain?.close();
});

const send = (aviso: TestAviso, body: Record<string, unknown>) =>
  aviso.request('POST', '/v1/messages', { body: { subject: 'Hola', text: 'Hola', ...body } });

describe('international domains', () => {
  it('sends to and from an IDN domain in A-labels, with an ASCII Message-ID and a DKIM signature that verifies', async () => {
    const project = viaPlain.services.aviso.defaultProject.id;
    await addDomain(viaPlain.database.db, viaPlain.services.aviso.secrets, project, 'Tiendá.es', 'mail2026');
    const [domain] = await listDomains(viaPlain.database.db, project);
    expect(domain?.domain).toBe('xn--tiend-1qa.es');
    const accepted = await send(viaPlain, { to: 'ana@correo-ñandú.es', from: 'Tienda <hola@tiendá.es>' });
    expect(accepted.status).toBe(202);
    const [mail] = await plain.waitFor(1);
    expect(plain.commands.filter((c) => c.startsWith('RCPT'))).toEqual([
      `RCPT TO:<ana@${domainToASCII('correo-ñandú.es')}>`,
    ]);
    expect(plain.commands.filter((c) => c.startsWith('MAIL'))[0]).toMatch(
      /^MAIL FROM:<hola@xn--tiend-1qa\.es>/,
    );
    expect(mail?.smtpUtf8).toBe(false);
    const parsed = await simpleParser(mail?.raw as Buffer);
    expect(parsed.messageId).toMatch(/^<msg_[0-9a-z]+@xn--tiend-1qa\.es>$/);
    expect(/^[\x20-\x7e]*$/.test(parsed.messageId ?? '')).toBe(true);
    const txt = [...(domain?.dnsValue ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1] as string);
    const verified = await dkimVerify(mail?.raw as Buffer, {
      resolver: async (host: string, type: string) => {
        if (type === 'TXT' && host === 'mail2026._domainkey.xn--tiend-1qa.es') return [txt];
        throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      },
    });
    expect(verified.results[0]?.status.result).toBe('pass');
    const message = await viaPlain.waitForStatus(accepted.body.id, ['sent']);
    expect(message.messageIdHeader).toBe(parsed.messageId);
  });
});

describe('non-ASCII local parts', () => {
  it('go out with SMTPUTF8 when the relay offers it', async () => {
    const accepted = await send(viaOffering, { to: 'josé@example.com', from: 'shop@example.com' });
    expect(accepted.status).toBe(202);
    const [mail] = await offering.waitFor(1);
    expect(mail?.to).toEqual(['josé@example.com']);
    expect(mail?.smtpUtf8).toBe(true);
    expect((await viaOffering.waitForStatus(accepted.body.id, ['sent'])).status).toBe('sent');
  });

  it('fail with the reason when the relay does not offer SMTPUTF8, and nothing is sent', async () => {
    const before = plain.received.length;
    const accepted = await send(viaPlain, { to: 'josé@example.com', from: 'shop@example.com' });
    expect(accepted.status).toBe(202);
    const failed = await viaPlain.waitForStatus(accepted.body.id, ['failed', 'sent']);
    expect(failed.status).toBe('failed');
    expect(JSON.stringify(failed.events.at(-1).details)).toMatch(
      /josé@example\.com.*SMTPUTF8.*does not offer it/,
    );
    expect(plain.received.length).toBe(before);
    // An ASCII address through the same relay still goes.
    const ascii = await send(viaPlain, { to: 'jose@example.com', from: 'shop@example.com' });
    expect((await viaPlain.waitForStatus(ascii.body.id, ['sent', 'failed'])).status).toBe('sent');
  });
});
