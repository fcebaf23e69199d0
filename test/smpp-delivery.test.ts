// SMS end to end over SMPP: providers configured through the API, messages sent by the worker
// over a real SMPP session to a local fake SMSC, and delivery receipts coming back as deliver_sm
// on that same session. Covers addressing, encodings and segments on the wire, receipt ids in
// the other form, per-segment, duplicate and unknown receipts, throttling, refused binds and
// refused destinations. Each test gets its own SMSC, so no test sees another's session.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startTestAviso, type TestAviso } from './helpers/aviso.ts';
import { type FakeSmsc, type FakeSmscOptions, startFakeSmsc } from './helpers/fake-smsc.ts';

let aviso: TestAviso;
const smscs: FakeSmsc[] = [];

beforeAll(async () => {
  // A short retry base: a throttled message is tried again after the SMSC's second, not 30 s.
  // The fake SMSCs listen on 127.0.0.1.
  aviso = await startTestAviso({ AVISO_RETRY_BASE_SECONDS: '0.1', AVISO_ALLOW_PRIVATE_DESTINATIONS: 'true' });
});

afterAll(async () => {
  // Aviso first: its SMPP providers unbind instead of reconnecting to closed SMSCs.
  await aviso?.stop();
  await Promise.all(smscs.map((s) => s.close()));
});

/** Removes every provider, so each test sets up its own. */
afterEach(async () => {
  const list = await aviso.request('GET', '/v1/providers');
  for (const p of list.body.data) await aviso.request('DELETE', `/v1/providers/${p.id}`);
});

async function startSmsc(options: FakeSmscOptions = {}): Promise<FakeSmsc> {
  const smsc = await startFakeSmsc({ systemId: 'aviso', password: 'secret', ...options });
  smscs.push(smsc);
  return smsc;
}

async function addSmpp(
  name: string,
  smsc: FakeSmsc,
  extra: Record<string, unknown> = {},
  config: Record<string, unknown> = {},
) {
  const res = await aviso.request('POST', '/v1/providers', {
    body: {
      name,
      type: 'smpp',
      config: {
        host: '127.0.0.1',
        port: smsc.port,
        systemId: 'aviso',
        password: 'secret',
        from: 'Aviso',
        ...config,
      },
      ...extra,
    },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  // The worker hears of the change by NOTIFY; give it a moment.
  await new Promise((r) => setTimeout(r, 50));
  return res.body;
}

const sendSms = async (to: string, text: string) => {
  const res = await aviso.request('POST', '/v1/messages', { body: { to, text } });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  return res.body.id as string;
};

const getMessage = async (id: string) => (await aviso.request('GET', `/v1/messages/${id}`)).body;

const types = (message: { events: { type: string }[] }) => message.events.map((e) => e.type);

/** Lets receipts already answered reach the database (they are applied after deliver_sm_resp). */
const settle = () => new Promise((r) => setTimeout(r, 300));

/** The status each segment's ref holds, in segment order: where per-segment receipts land. */
async function segmentStatuses(messageId: string): Promise<(string | null)[]> {
  const rows = await aviso.database.db
    .selectFrom('provider_message_refs')
    .select(['segment', 'status'])
    .where('message_id', '=', messageId)
    .orderBy('segment')
    .execute();
  return rows.map((r) => r.status);
}

async function until(condition: () => Promise<boolean>, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe('sending and receipts', () => {
  it('sends a GSM-7 text with the right addresses; a DELIVRD receipt delivers it', async () => {
    const smsc = await startSmsc();
    const provider = await addSmpp('smsc-main', smsc);
    expect(provider).toMatchObject({ channel: 'sms', type: 'smpp', callbackUrl: null });
    expect(provider.config).toMatchObject({ host: '127.0.0.1', port: smsc.port, password: '••••' });
    const shown = await aviso.request('GET', `/v1/providers/${provider.id}`);
    expect(JSON.stringify(shown.body)).not.toContain('secret');

    const text = 'Hola Juan, tu codigo de acceso es 482913. Caduca en 10 minutos.';
    const id = await sendSms('+34600111222', text);
    const sent = await aviso.waitForStatus(id, ['sent', 'failed', 'deferred']);
    expect(sent).toMatchObject({
      status: 'sent',
      provider: 'smsc-main',
      sms: { encoding: 'GSM-7', segments: 1 },
    });
    expect(smsc.submitted).toHaveLength(1);
    const [record] = smsc.submitted;
    expect(sent.providerMessageId).toBe(record?.messageId);
    expect(record).toMatchObject({
      destinationAddr: '34600111222',
      destTon: 1,
      destNpi: 1,
      sourceAddr: 'Aviso',
      sourceTon: 5,
      sourceNpi: 0,
      esmClass: 0,
      registeredDelivery: 1,
      dataCoding: 0,
      udh: null,
      text,
    });
    expect(sent.events.at(-1)).toMatchObject({
      type: 'sent',
      details: { provider: 'smsc-main', providerMessageId: record?.messageId },
    });

    expect(await smsc.sendReceipt(sent.providerMessageId, 'DELIVRD')).toBe(0);
    const delivered = await aviso.waitForStatus(id, ['delivered', 'failed']);
    expect(delivered.status).toBe('delivered');
    expect(types(delivered)).toEqual(['accepted', 'sent', 'delivered']);
    expect(delivered.events[2].details).toMatchObject({
      providerId: provider.id,
      providerStatus: 'DELIVRD',
      errorCode: '000',
    });
  });

  it('matches a hex receipt id to a decimal submit_sm_resp id', async () => {
    const smsc = await startSmsc({ idFormat: 'decimal' });
    await addSmpp('smsc-decimal', smsc);
    const id = await sendSms('+34600111223', 'Tu paquete sale hoy.');
    const sent = await aviso.waitForStatus(id, ['sent', 'failed', 'deferred']);
    expect(sent.providerMessageId).toMatch(/^\d+$/);
    expect(await smsc.sendReceipt(sent.providerMessageId, 'DELIVRD', { idForm: 'other' })).toBe(0);
    const delivered = await aviso.waitForStatus(id, ['delivered', 'failed']);
    expect(delivered.status).toBe('delivered');
    expect(types(delivered)).toEqual(['accepted', 'sent', 'delivered']);
  });

  it('matches a decimal receipt id to a padded hex id, even when the receipt beats the record', async () => {
    // Automatic receipts follow submit_sm_resp at once: the first try finds no ref yet.
    const smsc = await startSmsc({ idFormat: 'hex', receipts: 'auto', receiptIdForm: 'other' });
    await addSmpp('smsc-hex', smsc);
    const id = await sendSms('+34600111224', 'Tu cita es el lunes a las 9.');
    const delivered = await aviso.waitForStatus(id, ['delivered', 'failed']);
    expect(delivered.status).toBe('delivered');
    expect(delivered.providerMessageId).toMatch(/^[0-9A-F]{8}$/);
    expect(delivered.providerMessageId).toBe(smsc.submitted[0]?.messageId);
    expect(types(delivered)).toEqual(['accepted', 'sent', 'delivered']);
  });
});

describe('segments', () => {
  it('sends a long UCS-2 text as segments with a UDH; delivered once every segment is', async () => {
    const smsc = await startSmsc();
    await addSmpp('smsc-segments', smsc);
    const text =
      'Hola Ana 👋, tu pedido #1234 está en camino y llegará el miércoles entre las 9 y las 14 h. ' +
      'Si no estás en casa, el repartidor dejará un aviso en tu buzón. ¡Gracias por tu compra! 🎉';
    const id = await sendSms('+34600111225', text);
    const sent = await aviso.waitForStatus(id, ['sent', 'failed', 'deferred']);
    expect(sent).toMatchObject({ status: 'sent', sms: { encoding: 'UCS-2', segments: 3 } });

    const records = smsc.submitted;
    expect(records).toHaveLength(3);
    const reference = records[0]?.udh?.reference;
    records.forEach((record, i) => {
      expect(record.dataCoding).toBe(8);
      expect(record.esmClass & 0x40).toBe(0x40);
      expect(record.udh).toEqual({ reference, total: 3, seq: i + 1 });
    });
    expect(records.map((r) => r.text).join('')).toBe(text);
    expect(sent.providerMessageId).toBe(records[0]?.messageId);

    // Every segment but the last, out of order: the message is not delivered yet.
    const [first, second, last] = records.map((r) => r.messageId as string);
    expect(await smsc.sendReceipt(second as string, 'DELIVRD')).toBe(0);
    expect(await smsc.sendReceipt(first as string, 'DELIVRD')).toBe(0);
    await until(
      async () => (await segmentStatuses(id)).filter((s) => s === 'delivered').length === 2,
      'two segment receipts',
    );
    const partial = await getMessage(id);
    expect(partial.status).toBe('sent');
    expect(types(partial)).toEqual(['accepted', 'sent']);

    expect(await smsc.sendReceipt(last as string, 'DELIVRD')).toBe(0);
    const delivered = await aviso.waitForStatus(id, ['delivered', 'failed']);
    expect(delivered.status).toBe('delivered');
    expect(types(delivered)).toEqual(['accepted', 'sent', 'delivered']);
    expect(delivered.events[2].details).toMatchObject({ providerStatus: 'DELIVRD', segments: 3 });
  });

  it('fails a multi-segment message when one segment is undeliverable', async () => {
    const smsc = await startSmsc();
    await addSmpp('smsc-undeliv', smsc);
    const text =
      'Recordatorio: tu cita en la clínica es mañana a las 10:30 en la calle Alcalá 42, 3.º izquierda. ' +
      'Trae tu tarjeta sanitaria 🩺 y llega diez minutos antes.';
    const id = await sendSms('+34600111226', text);
    const sent = await aviso.waitForStatus(id, ['sent', 'failed', 'deferred']);
    expect(sent).toMatchObject({ status: 'sent', sms: { segments: 3 } });
    expect(smsc.submitted.map((r) => r.udh?.seq)).toEqual([1, 2, 3]);

    const second = smsc.submitted[1]?.messageId as string;
    expect(await smsc.sendReceipt(second, 'UNDELIV', { err: '005' })).toBe(0);
    const failed = await aviso.waitForStatus(id, ['failed', 'delivered']);
    expect(failed.status).toBe('failed');
    expect(types(failed)).toEqual(['accepted', 'sent', 'failed']);
    expect(failed.events[2].details).toMatchObject({
      reason: 'undelivered',
      providerStatus: 'UNDELIV',
      errorCode: '005',
      permanent: true,
      segments: 3,
    });
  });
});

describe('late, repeated and unknown receipts', () => {
  it('records one delivered event however many DELIVRD receipts arrive, in whatever id form', async () => {
    const smsc = await startSmsc();
    await addSmpp('smsc-dup', smsc);
    const id = await sendSms('+34600111227', 'Tu pedido ha llegado.');
    const sent = await aviso.waitForStatus(id, ['sent', 'failed', 'deferred']);
    // ENROUTE is not final and changes nothing; then the same DELIVRD three times, back to back.
    expect(await smsc.sendReceipt(sent.providerMessageId, 'ENROUTE')).toBe(0);
    expect(await smsc.sendReceipt(sent.providerMessageId, 'DELIVRD')).toBe(0);
    expect(await smsc.sendReceipt(sent.providerMessageId, 'DELIVRD')).toBe(0);
    expect(await smsc.sendReceipt(sent.providerMessageId, 'DELIVRD', { idForm: 'other' })).toBe(0);
    await aviso.waitForStatus(id, ['delivered', 'failed']);
    // A late report of another outcome does not add a contradicting event.
    expect(await smsc.sendReceipt(sent.providerMessageId, 'UNDELIV')).toBe(0);
    expect(await smsc.sendReceipt(sent.providerMessageId, 'EXPIRED')).toBe(0);
    await settle();
    const delivered = await getMessage(id);
    expect(delivered.status).toBe('delivered');
    expect(types(delivered)).toEqual(['accepted', 'sent', 'delivered']);
  });

  it('unbinds the SMPP session of a provider that is removed', async () => {
    const smsc = await startSmsc();
    const provider = await addSmpp('smsc-removed', smsc);
    const id = await sendSms('+34600111239', 'hola');
    await aviso.waitForStatus(id, ['sent', 'failed', 'deferred']);
    expect(smsc.counters.binds).toBe(1);
    expect((await aviso.request('DELETE', `/v1/providers/${provider.id}`)).status).toBe(204);
    await until(async () => smsc.counters.unbinds === 1, 'the removed provider to unbind');
  });

  it('ignores a receipt for an id Aviso never recorded; the session and other messages go on', async () => {
    const smsc = await startSmsc();
    const provider = await addSmpp('smsc-unknown', smsc);
    // The SMSC takes segment 1 and refuses segment 2: the message fails, and segment 1's id is
    // one the SMSC knows and Aviso never recorded (refs are written only for sent messages).
    smsc.refuseSegment(2, 0x45);
    const text =
      'Tu factura de marzo ya esta disponible en tu area de cliente. Importe total 42,50 EUR, ' +
      'con cargo en tu cuenta el dia 5. Si tienes dudas, responde a este mensaje y te llamamos.';
    const refused = await sendSms('+34600111228', text);
    const failed = await aviso.waitForStatus(refused, ['failed', 'sent', 'deferred']);
    expect(failed.status).toBe('failed');
    expect(failed.events.at(-1).details).toMatchObject({ reason: 'rejected', errorCode: '0x45' });
    const orphan = smsc.submitted[0]?.messageId as string;
    expect(orphan).toBeTruthy();
    const refs = await aviso.database.db
      .selectFrom('provider_message_refs')
      .select('ref')
      .where('provider_id', '=', provider.id)
      .execute();
    expect(refs).toEqual([]);

    expect(await smsc.sendReceipt(orphan, 'DELIVRD')).toBe(0);

    const id = await sendSms('+34600111229', 'Tu pago se ha recibido.');
    const sent = await aviso.waitForStatus(id, ['sent', 'failed', 'deferred']);
    expect(sent.status).toBe('sent');
    expect(await smsc.sendReceipt(sent.providerMessageId, 'DELIVRD')).toBe(0);
    expect((await aviso.waitForStatus(id, ['delivered', 'failed'])).status).toBe('delivered');
    expect(smsc.counters.binds).toBe(1);

    await settle();
    const after = await getMessage(refused);
    expect(after.status).toBe('failed');
    expect(types(after)).toEqual(['accepted', 'failed']);
  });
});

describe('failures and failover', () => {
  it('defers a throttled message and sends it on the retry', async () => {
    const smsc = await startSmsc();
    await addSmpp('smsc-throttled', smsc);
    smsc.throttleNext(1);
    const id = await sendSms('+34600111230', 'Tu reserva esta confirmada.');
    const sent = await aviso.waitForStatus(id, ['sent', 'failed']);
    expect(sent.status).toBe('sent');
    expect(types(sent)).toEqual(['accepted', 'deferred', 'sent']);
    expect(sent.events[1].details).toMatchObject({
      attempt: 1,
      provider: 'smsc-throttled',
      errorCode: '0x58',
      response: expect.stringContaining('ESME_RTHROTTLED'),
      retryAfterMs: 1000,
    });
    expect(sent.attempts).toBe(2);
    expect(smsc.submitted.map((r) => r.status)).toEqual([0x58, 0]);
    expect(sent.providerMessageId).toBe(smsc.submitted[1]?.messageId);
  });

  it('fails over to the next SMPP provider when the first throttles', async () => {
    const [primary, backup] = await Promise.all([startSmsc(), startSmsc()]);
    await addSmpp('smsc-primary', primary, { position: 0 });
    await addSmpp('smsc-backup', backup, { position: 1 });
    primary.throttleNext(1);
    const id = await sendSms('+34600111231', 'Tu codigo es 771204.');
    const sent = await aviso.waitForStatus(id, ['sent', 'failed', 'deferred']);
    expect(sent).toMatchObject({ status: 'sent', provider: 'smsc-backup', attempts: 1 });
    expect(types(sent)).toEqual(['accepted', 'sent']);
    expect(sent.events[1].details.failedOver).toEqual([
      { provider: 'smsc-primary', error: expect.stringContaining('ESME_RTHROTTLED') },
    ]);
    expect(primary.submitted.map((r) => r.status)).toEqual([0x58]);
    expect(backup.submitted).toHaveLength(1);
    expect(sent.providerMessageId).toBe(backup.submitted[0]?.messageId);

    // The receipt comes back on the backup's session and is matched to the backup's refs.
    expect(await backup.sendReceipt(sent.providerMessageId, 'DELIVRD')).toBe(0);
    expect((await aviso.waitForStatus(id, ['delivered', 'failed'])).status).toBe('delivered');
  });

  it('fails over when the SMSC refuses the bind, then skips the provider while its circuit is open', async () => {
    const [locked, backup] = await Promise.all([startSmsc(), startSmsc()]);
    await addSmpp('smsc-locked', locked, { position: 0 }, { password: 'wrong' });
    await addSmpp('smsc-backup', backup, { position: 1 });
    const id = await sendSms('+34600111232', 'Bienvenido a Aviso.');
    const sent = await aviso.waitForStatus(id, ['sent', 'failed', 'deferred']);
    expect(sent).toMatchObject({ status: 'sent', provider: 'smsc-backup', attempts: 1 });
    expect(sent.events.at(-1).details.failedOver).toEqual([
      { provider: 'smsc-locked', error: expect.stringMatching(/refused the bind: 0x0E/) },
    ]);
    expect(locked.counters.bindFailures).toBeGreaterThanOrEqual(1);
    expect(locked.counters.binds).toBe(0);
    expect(locked.submitted).toHaveLength(0);
    expect(backup.submitted.map((r) => r.destinationAddr)).toEqual(['34600111232']);

    // A refused bind says the provider is down: its circuit opens and the next send skips it.
    const next = await sendSms('+34600111233', 'Segundo mensaje.');
    const nextSent = await aviso.waitForStatus(next, ['sent', 'failed', 'deferred']);
    expect(nextSent).toMatchObject({ status: 'sent', provider: 'smsc-backup' });
    expect(nextSent.events.at(-1).details.failedOver).toEqual([
      { provider: 'smsc-locked', error: expect.stringMatching(/circuit open/) },
    ]);
  });

  it('fails a message whose destination the SMSC refuses, without retrying', async () => {
    const smsc = await startSmsc();
    await addSmpp('smsc-strict', smsc);
    smsc.rejectDestination('34600999999', 0x0b);
    const id = await sendSms('+34600999999', 'Hola.');
    const failed = await aviso.waitForStatus(id, ['failed', 'sent', 'deferred']);
    expect(failed.status).toBe('failed');
    expect(failed.attempts).toBe(1);
    expect(types(failed)).toEqual(['accepted', 'failed']);
    expect(failed.events[1].details).toMatchObject({
      reason: 'recipient_rejected',
      provider: 'smsc-strict',
      errorCode: '0x0B',
      response: expect.stringContaining('ESME_RINVDSTADR'),
    });
    expect(smsc.submitted).toHaveLength(1);
  });
});
