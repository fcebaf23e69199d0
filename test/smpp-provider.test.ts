// The SMPP provider against a real SMSC peer (the smpp package's server) over TCP: encodings
// and segments as octets on the wire, the window, status mapping, bind failures, reconnection,
// keep-alive and delivery receipts. The receipt parser and the id forms are tested as pure code.
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type OutgoingSms,
  PermanentError,
  ProviderDownError,
  type ProviderReceipt,
  TransientError,
} from '../src/channels/provider.ts';
import { segmentSms } from '../src/channels/sms/encoding.ts';
import {
  classifySubmitStatus,
  parseDeliveryReceipt,
  receiptIdForms,
  reconnectDelayMs,
  type SmppLog,
  type SmppOptions,
  SmppProvider,
  smppAbsoluteTime,
  toProviderReceipt,
} from '../src/channels/sms/smpp/index.ts';
import { providerDestinations } from '../src/net/index.ts';
import { type FakeSmsc, type FakeSmscOptions, startFakeSmsc } from './helpers/fake-smsc.ts';

// The fakes listen on 127.0.0.1: these tests run as a self-hosted setup that allows it.
const destinations = providerDestinations({ allowPrivateDestinations: true });

let counter = 0;
function sms(overrides: Partial<OutgoingSms> = {}): OutgoingSms {
  const text = overrides.text ?? 'Hola Juan, tu codigo es 123456';
  return {
    id: `msg_${++counter}`,
    projectId: 'prj_test',
    priority: 'normal',
    from: 'Aviso',
    to: '+34600111222',
    text,
    encoding: segmentSms(text).encoding,
    segments: segmentSms(text).segments,
    validUntil: null,
    ...overrides,
  };
}

interface LogEntry {
  level: 'info' | 'warn' | 'error';
  fields: object;
  message: string;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  smscOptions: FakeSmscOptions = {},
  providerOptions: Partial<SmppOptions> = {},
): Promise<{ smsc: FakeSmsc; provider: SmppProvider; receipts: ProviderReceipt[]; logs: LogEntry[] }> {
  const smsc = await startFakeSmsc({ systemId: 'aviso', password: 'secret', ...smscOptions });
  cleanups.push(() => smsc.close());
  const receipts: ProviderReceipt[] = [];
  const logs: LogEntry[] = [];
  const log: SmppLog = {
    info: (fields, message) => logs.push({ level: 'info', fields, message }),
    warn: (fields, message) => logs.push({ level: 'warn', fields, message }),
    error: (fields, message) => logs.push({ level: 'error', fields, message }),
  };
  const provider = new SmppProvider(
    {
      host: '127.0.0.1',
      destinations,
      port: smsc.port,
      systemId: 'aviso',
      password: 'secret',
      submitTimeoutMs: 3_000,
      reconnectMinMs: 20,
      reconnectMaxMs: 100,
      ...providerOptions,
    },
    (batch) => {
      receipts.push(...batch);
    },
    log,
  );
  cleanups.push(() => provider.close());
  return { smsc, provider, receipts, logs };
}

async function until(condition: () => boolean, what: string, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the send to fail');
}

const lonelySurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

describe('SmppProvider: what goes on the wire', () => {
  it('sends a Spanish text without accents as one GSM-7 submit_sm', async () => {
    const { smsc, provider } = await setup();
    const validUntil = new Date('2030-01-02T03:04:05.678Z');
    const result = await provider.send(sms({ validUntil }));
    const [record] = await smsc.waitFor(1);
    expect(record).toMatchObject({
      sourceAddr: 'Aviso',
      sourceTon: 5,
      sourceNpi: 0,
      destinationAddr: '34600111222',
      destTon: 1,
      destNpi: 1,
      esmClass: 0,
      registeredDelivery: 1,
      dataCoding: 0,
      validityPeriod: '300102030405000+',
      udh: null,
      text: 'Hola Juan, tu codigo es 123456',
    });
    // Plain letters and digits have the same codes in GSM 03.38 as in ASCII, one per octet.
    expect(record?.octets).toEqual(Buffer.from('Hola Juan, tu codigo es 123456', 'ascii'));
    expect(result).toEqual({
      providerMessageId: record?.messageId,
      segmentIds: [record?.messageId],
      response: 'submit_sm_resp OK, 1 segment',
    });
  });

  it('writes GSM 03.38 codes for ñ, @, £, _ and escape pairs for the extension table', async () => {
    const { smsc, provider } = await setup();
    await provider.send(sms({ text: 'ñ€{}[]~\\|^@£_', from: '+34911222333' }));
    const [record] = await smsc.waitFor(1);
    // TS 23.038 §6.2.1: ñ 0x7D, @ 0x00, £ 0x01, _ 0x11; §6.2.1.1: 0x1B then € 0x65, { 0x28, …
    const expected = [0x7d, 0x1b, 0x65, 0x1b, 0x28, 0x1b, 0x29, 0x1b, 0x3c, 0x1b, 0x3e, 0x1b, 0x3d];
    expected.push(0x1b, 0x2f, 0x1b, 0x40, 0x1b, 0x14, 0x00, 0x01, 0x11);
    expect(record?.dataCoding).toBe(0);
    expect(record?.octets).toEqual(Buffer.from(expected));
    expect(record).toMatchObject({ sourceAddr: '34911222333', sourceTon: 1, sourceNpi: 1 });
  });

  it('sends Spanish with á and ó as UCS-2, UTF-16BE octets that decode to the text', async () => {
    const { smsc, provider } = await setup();
    const text = 'Mañana habrá reunión a las 9';
    await provider.send(sms({ text }));
    const [record] = await smsc.waitFor(1);
    expect(record?.dataCoding).toBe(8);
    expect(record?.octets.length).toBe(text.length * 2);
    expect(record?.octets.subarray(0, 2)).toEqual(Buffer.from([0x00, 0x4d])); // "M", big-endian
    expect(new TextDecoder('utf-16be').decode(record?.octets)).toBe(text);
  });

  it('splits a long text with emoji into UCS-2 segments with a UDH, never cutting a surrogate pair', async () => {
    const { smsc, provider } = await setup();
    // 66 units, then an emoji that does not fit the 67 of the first segment.
    const text = `${'x'.repeat(66)}😀${'y'.repeat(64)}🎉 fin`;
    const result = await provider.send(sms({ text }));
    const records = await smsc.waitFor(3);
    expect(records).toHaveLength(3);
    const reference = records[0]?.udh?.reference;
    records.forEach((record, i) => {
      expect(record.esmClass & 0x40).toBe(0x40);
      expect(record.dataCoding).toBe(8);
      expect(record.udh).toEqual({ reference, total: 3, seq: i + 1 });
      expect(record.octets.length).toBeLessThanOrEqual(134);
      expect(record.text).not.toMatch(lonelySurrogate);
    });
    expect(records[0]?.text).toBe('x'.repeat(66));
    expect(records.map((r) => r.text).join('')).toBe(text);
    expect(result.segmentIds).toEqual(records.map((r) => r.messageId));
    expect(result.providerMessageId).toBe(records[0]?.messageId);
    expect(result.response).toBe('submit_sm_resp OK, 3 segments');

    // The next long message gets another reference.
    await provider.send(sms({ text }));
    const next = await smsc.waitFor(6);
    expect(next[3]?.udh?.reference).not.toBe(reference);
  });

  it('never splits a GSM-7 escape pair (€) across segments', async () => {
    const { smsc, provider } = await setup();
    const text = `${'a'.repeat(152)}€${'b'.repeat(40)}`;
    await provider.send(sms({ text }));
    const records = await smsc.waitFor(2);
    expect(records.map((r) => r.udh?.total)).toEqual([2, 2]);
    expect(records[0]?.octets).toEqual(Buffer.from('a'.repeat(152)));
    expect(records[1]?.octets.subarray(0, 2)).toEqual(Buffer.from([0x1b, 0x65]));
    expect(records.map((r) => r.text).join('')).toBe(text);
  });

  it('fails without a sender when neither the message nor the options give one', async () => {
    const { smsc, provider } = await setup();
    const error = await failureOf(provider.send(sms({ from: null })));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).kind).toBe('failure');
    expect(smsc.submitted).toHaveLength(0);
  });

  it('uses the default sender from the options', async () => {
    const { smsc, provider } = await setup({}, { from: 'Tienda' });
    await provider.send(sms({ from: null }));
    const [record] = await smsc.waitFor(1);
    expect(record?.sourceAddr).toBe('Tienda');
  });
});

describe('SmppProvider: window and queue', () => {
  it('keeps at most `window` submit_sm unanswered', async () => {
    const { smsc, provider } = await setup({ responseDelayMs: 15 }, { window: 3 });
    const results = await Promise.all(Array.from({ length: 30 }, () => provider.send(sms())));
    expect(new Set(results.map((r) => r.providerMessageId)).size).toBe(30);
    expect(smsc.counters.maxOutstanding).toBe(3);
  });

  it('fails a submit_sm left unanswered with TransientError and frees its window slot', async () => {
    const { smsc, provider } = await setup({ responseDelayMs: 2_000 }, { window: 1, submitTimeoutMs: 150 });
    const error = await failureOf(provider.send(sms()));
    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toContain('submit_sm_resp');
    smsc.responseDelayMs = 0;
    // Answered long before the first one's late answer: its slot was given back.
    await expect(provider.send(sms())).resolves.toMatchObject({ response: 'submit_sm_resp OK, 1 segment' });
  });

  it('lets a high-priority message jump the queue', async () => {
    const { smsc, provider } = await setup({ responseDelayMs: 20 }, { window: 1 });
    await provider.start();
    const sends = ['+34600000001', '+34600000002', '+34600000003', '+34600000004'].map((to) =>
      provider.send(sms({ to })),
    );
    sends.push(provider.send(sms({ to: '+34600000009', priority: 'high' })));
    await Promise.all(sends);
    expect(smsc.submitted.map((r) => r.destinationAddr)).toEqual([
      '34600000001',
      '34600000009',
      '34600000002',
      '34600000003',
      '34600000004',
    ]);
  });
});

describe('SmppProvider: submit_sm_resp statuses', () => {
  it('maps ESME_RTHROTTLED to a TransientError with retryAfterMs', async () => {
    const { smsc, provider } = await setup();
    smsc.throttleNext(1);
    const error = await failureOf(provider.send(sms()));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(ProviderDownError);
    expect((error as TransientError).details).toMatchObject({ errorCode: '0x58', retryAfterMs: 1000 });
    expect((error as TransientError).details.response).toContain('ESME_RTHROTTLED');
    await expect(provider.send(sms())).resolves.toMatchObject({ response: 'submit_sm_resp OK, 1 segment' });
  });

  it('maps ESME_RINVDSTADR to a bounce', async () => {
    const { smsc, provider } = await setup();
    smsc.rejectDestination('34600999999', 0x0b);
    const error = await failureOf(provider.send(sms({ to: '+34600999999' })));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).kind).toBe('bounce');
    expect((error as PermanentError).details).toMatchObject({ errorCode: '0x0B' });
    expect((error as PermanentError).details.response).toContain('ESME_RINVDSTADR');
  });

  it('reports how many segments went through when a later one is refused, and sends no more', async () => {
    const { smsc, provider } = await setup();
    smsc.refuseSegment(2, 0x45);
    const error = await failureOf(provider.send(sms({ text: 'z'.repeat(400) })));
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).kind).toBe('failure');
    expect((error as PermanentError).details.errorCode).toBe('0x45');
    expect(error.message).toContain('1 of 3 segments accepted');
    expect(smsc.submitted.map((r) => r.udh?.seq)).toEqual([1, 2]);
  });

  it.each([
    [0x58, TransientError, undefined],
    [0x14, TransientError, undefined],
    [0x08, TransientError, undefined],
    [0x0b, PermanentError, 'bounce'],
    [0x0a, PermanentError, 'failure'],
    [0x45, PermanentError, 'failure'],
    [0x62, PermanentError, 'failure'],
    [0x401, PermanentError, 'failure'],
  ])('classifies status %i', (status, type, kind) => {
    const error = classifySubmitStatus(status);
    expect(error).toBeInstanceOf(type);
    expect(error).not.toBeInstanceOf(ProviderDownError);
    if (kind) expect((error as PermanentError).kind).toBe(kind);
    expect(error.details.errorCode).toBe(`0x${status.toString(16).toUpperCase().padStart(2, '0')}`);
  });
});

describe('SmppProvider: the session', () => {
  it('fails sends with ProviderDownError and alerts when the bind is refused, and keeps retrying', async () => {
    const { smsc, provider, logs } = await setup({ password: 'other' });
    const startError = await failureOf(provider.start());
    expect(startError).toBeInstanceOf(ProviderDownError);
    expect((startError as ProviderDownError).details.errorCode).toBe('0x0E');
    const sendError = await failureOf(provider.send(sms()));
    expect(sendError).toBeInstanceOf(ProviderDownError);
    expect(logs.some((l) => l.level === 'error' && JSON.stringify(l.fields).includes('0x0E'))).toBe(true);
    expect(smsc.submitted).toHaveLength(0);

    await until(() => smsc.counters.bindFailures >= 2, 'a second bind attempt');
    smsc.password = 'secret';
    await until(() => smsc.counters.binds === 1, 'the bind to succeed');
    // The SMSC counts the bind when it answers; the provider is bound once it has read the answer.
    await until(() => logs.some((l) => l.message === 'SMPP bound'), 'the provider to be bound');
    await expect(provider.send(sms())).resolves.toMatchObject({ response: 'submit_sm_resp OK, 1 segment' });
  });

  it('fails with ProviderDownError when nothing listens', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const address = probe.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise((resolve) => probe.close(resolve));
    const provider = new SmppProvider(
      { host: '127.0.0.1', destinations, port, systemId: 'aviso', password: 'secret', reconnectMinMs: 20 },
      () => {},
    );
    cleanups.push(() => provider.close());
    expect(await failureOf(provider.send(sms()))).toBeInstanceOf(ProviderDownError);
  });

  it('fails a send with TransientError when the SMSC never answers the bind', async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const address = silent.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const provider = new SmppProvider(
      { host: '127.0.0.1', destinations, port, systemId: 'aviso', password: 'secret', submitTimeoutMs: 150 },
      () => {},
    );
    cleanups.push(async () => {
      await provider.close();
      silent.close();
    });
    const error = await failureOf(provider.send(sms()));
    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(ProviderDownError);
    expect(error.message).toContain('bind');
  });

  it('reconnects after the link drops; a send in flight fails with TransientError, the next one works', async () => {
    const { smsc, provider } = await setup();
    await provider.send(sms());
    expect(smsc.counters.binds).toBe(1);

    smsc.responseDelayMs = 2_000;
    const inFlight = failureOf(provider.send(sms()));
    await smsc.waitFor(2);
    smsc.dropConnections();
    const error = await inFlight;
    expect(error).toBeInstanceOf(TransientError);
    expect(error).not.toBeInstanceOf(ProviderDownError);

    smsc.responseDelayMs = 0;
    await expect(provider.send(sms())).resolves.toMatchObject({ response: 'submit_sm_resp OK, 1 segment' });
    expect(smsc.counters.binds).toBe(2);
  });

  it('sends enquire_link and drops a link that stops answering them', async () => {
    const { smsc, provider } = await setup({}, { enquireLinkSeconds: 0.05 });
    await provider.start();
    await until(() => smsc.counters.enquireLinks >= 2, 'two enquire_link');
    expect(smsc.counters.binds).toBe(1);
    smsc.answerEnquireLink = false;
    await until(() => smsc.counters.binds === 2, 'a new bind after an unanswered enquire_link');
  });

  it('unbinds on close and fails what is still waiting', async () => {
    const { smsc, provider } = await setup({ responseDelayMs: 2_000 });
    const pending = failureOf(provider.send(sms()));
    await smsc.waitFor(1);
    await provider.close();
    const error = await pending;
    expect(error).toBeInstanceOf(TransientError);
    expect(smsc.counters.unbinds).toBe(1);
    expect(await failureOf(provider.send(sms()))).toBeInstanceOf(TransientError);
  });
});

describe('SmppProvider: delivery receipts', () => {
  it('hands receipts to the sink with the status and the done date', async () => {
    const { smsc, provider, receipts } = await setup();
    const sent = await provider.send(sms());
    const id = sent.providerMessageId ?? '';
    const doneAt = new Date('2024-05-06T07:08:00Z');

    expect(await smsc.sendReceipt(id, 'ENROUTE', { doneAt })).toBe(0);
    expect(await smsc.sendReceipt(id, 'DELIVRD', { doneAt })).toBe(0);
    expect(receipts).toEqual([
      { providerMessageId: id, status: 'delivered', at: doneAt, providerStatus: 'DELIVRD', errorCode: '000' },
    ]);
  });

  it('matches a hex receipt id to a decimal submit_sm_resp id through receiptIdForms', async () => {
    const { smsc, provider, receipts } = await setup({ idFormat: 'decimal' });
    const sent = await provider.send(sms());
    const id = sent.providerMessageId ?? '';
    await smsc.sendReceipt(id, 'UNDELIV', { idForm: 'other', err: '005' });
    const [receipt] = receipts;
    expect(receipt?.providerMessageId).toMatch(/[a-f]/i);
    expect(receipt?.providerMessageId).not.toBe(id);
    expect(receiptIdForms(receipt?.providerMessageId ?? '')).toContain(id);
    expect(receipt).toMatchObject({
      status: 'failed',
      permanent: true,
      providerStatus: 'UNDELIV',
      errorCode: '005',
    });
  });

  it('matches a decimal receipt id to a padded hex submit_sm_resp id, with automatic receipts', async () => {
    const { provider, receipts } = await setup({ idFormat: 'hex', receipts: 'auto', receiptIdForm: 'other' });
    const sent = await provider.send(sms());
    expect(sent.providerMessageId).toMatch(/^0000[0-9A-F]{4}$/);
    await until(() => receipts.length === 1, 'the receipt');
    expect(receipts[0]?.providerMessageId).toMatch(/^\d+$/);
    expect(receiptIdForms(receipts[0]?.providerMessageId ?? '')).toContain(sent.providerMessageId);
    expect(receipts[0]?.status).toBe('delivered');
  });

  it('reads receipts given in the receipted_message_id and message_state TLVs', async () => {
    const { smsc, provider, receipts } = await setup();
    const sent = await provider.send(sms());
    const before = Date.now();
    await smsc.sendReceipt(sent.providerMessageId ?? '', 'EXPIRED', { tlvs: true, bodyText: false });
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({
      providerMessageId: sent.providerMessageId,
      status: 'expired',
      providerStatus: 'EXPIRED',
    });
    expect(receipts[0]?.at.getTime()).toBeGreaterThanOrEqual(before);
  });

  it('answers an inbound SMS and reports nothing', async () => {
    const { smsc, provider, receipts, logs } = await setup();
    await provider.start();
    expect(await smsc.sendInbound('34600111222', 'STOP')).toBe(0);
    expect(receipts).toHaveLength(0);
    expect(logs.some((l) => l.level === 'info' && l.message.includes('inbound'))).toBe(true);
  });

  it('asks the SMSC to send a receipt again when the sink throws', async () => {
    const smsc = await startFakeSmsc({ systemId: 'aviso', password: 'secret' });
    cleanups.push(() => smsc.close());
    const provider = new SmppProvider(
      { host: '127.0.0.1', destinations, port: smsc.port, systemId: 'aviso', password: 'secret' },
      () => {
        throw new Error('database down');
      },
    );
    cleanups.push(() => provider.close());
    const sent = await provider.send(sms());
    expect(await smsc.sendReceipt(sent.providerMessageId ?? '', 'DELIVRD')).toBe(0x64);
  });

  it('answers a receipt only once the sink has stored it, and asks again when storing fails', async () => {
    const smsc = await startFakeSmsc({ systemId: 'aviso', password: 'secret' });
    cleanups.push(() => smsc.close());
    let stored = 0;
    let fail = false;
    const provider = new SmppProvider(
      { host: '127.0.0.1', destinations, port: smsc.port, systemId: 'aviso', password: 'secret' },
      async () => {
        await new Promise((r) => setTimeout(r, 50));
        if (fail) throw new Error('database down');
        stored++;
      },
    );
    cleanups.push(() => provider.close());
    const sent = await provider.send(sms());
    expect(await smsc.sendReceipt(sent.providerMessageId ?? '', 'DELIVRD')).toBe(0);
    expect(stored).toBe(1);
    fail = true;
    expect(await smsc.sendReceipt(sent.providerMessageId ?? '', 'DELIVRD')).toBe(0x64);
  });
});

describe('parseDeliveryReceipt', () => {
  it('reads the customary receipt text', () => {
    expect(
      parseDeliveryReceipt(
        'id:0A1F sub:001 dlvrd:001 submit date:2405060700 done date:2405060708 stat:DELIVRD err:000 text:Hola id:9 stat:UNDELIV',
      ),
    ).toEqual({
      id: '0A1F',
      sub: '001',
      dlvrd: '001',
      submitDate: new Date('2024-05-06T07:00:00Z'),
      doneDate: new Date('2024-05-06T07:08:00Z'),
      stat: 'DELIVRD',
      err: '000',
      text: 'Hola id:9 stat:UNDELIV',
    });
  });

  it.each([
    [
      'done date with seconds',
      'id:7 done date:240506070809 stat:UNDELIV',
      '2024-05-06T07:08:09.000Z',
      'UNDELIV',
    ],
    [
      'keys in another case and order',
      'Stat:rejectd ID:7 Done Date:2401020304',
      '2024-01-02T03:04:00.000Z',
      'REJECTD',
    ],
    [
      'underscored date keys',
      'id:7 done_date:2401020304 stat:EXPIRED',
      '2024-01-02T03:04:00.000Z',
      'EXPIRED',
    ],
    ['an impossible date', 'id:7 done date:2402310000 stat:DELIVRD', null, 'DELIVRD'],
    ['no date', 'id:7 stat:DELETED err:012', null, 'DELETED'],
  ])('%s', (_name, text, doneDate, stat) => {
    const parsed = parseDeliveryReceipt(text);
    expect(parsed?.id).toBe('7');
    expect(parsed?.doneDate?.toISOString() ?? null).toBe(doneDate);
    expect(parsed?.stat).toBe(stat);
  });

  it('returns null for text that is not a receipt', () => {
    expect(parseDeliveryReceipt('Hola, soy yo')).toBeNull();
    expect(parseDeliveryReceipt('text:id:5 stat:DELIVRD')).toBeNull();
  });
});

describe('toProviderReceipt', () => {
  const receivedAt = new Date('2024-01-01T00:00:00Z');
  const doneDate = new Date('2024-05-06T07:08:00Z');
  it.each([
    ['DELIVRD', 'delivered', undefined],
    ['EXPIRED', 'expired', undefined],
    ['UNDELIV', 'failed', true],
    ['REJECTD', 'failed', true],
    ['DELETED', 'failed', false],
  ])('%s → %s', (stat, status, permanent) => {
    const receipt = toProviderReceipt({ id: '1', stat, err: '000', doneDate }, receivedAt);
    expect(receipt).toEqual({
      providerMessageId: '1',
      status,
      at: doneDate,
      providerStatus: stat,
      errorCode: '000',
      ...(permanent === undefined ? {} : { permanent }),
    });
  });

  it.each(['ACCEPTD', 'ENROUTE', 'UNKNOWN', 'WHATEVER'])('drops %s', (stat) => {
    expect(toProviderReceipt({ id: '1', stat, err: null, doneDate }, receivedAt)).toBeNull();
  });

  it('falls back to the receive time without a done date', () => {
    expect(toProviderReceipt({ id: '1', stat: 'DELIVRD', err: null, doneDate: null }, receivedAt)?.at).toBe(
      receivedAt,
    );
  });
});

describe('receiptIdForms', () => {
  it.each([
    ['0A1F', ['0A1F', '2591']],
    ['a1f', ['a1f', '2591']],
    ['2591', ['2591', 'a1f', 'A1F', '00000a1f', '00000A1F']],
    ['002591', ['002591', 'a1f', 'A1F', '00000a1f', '00000A1F', '2591']],
    ['12345678901234567890', ['12345678901234567890', 'ab54a98ceb1f0ad2', 'AB54A98CEB1F0AD2']],
    ['msg-17', ['msg-17']],
  ])('%s', (id, forms) => {
    expect(receiptIdForms(id)).toEqual(forms);
  });
});

describe('smppAbsoluteTime and reconnectDelayMs', () => {
  it('writes absolute times in UTC', () => {
    expect(smppAbsoluteTime(new Date('2025-12-31T23:59:58.9Z'))).toBe('251231235958000+');
  });

  it.each([
    [0, 0, 500],
    [0, 1, 1000],
    [3, 0, 4000],
    [3, 1, 8000],
    [10, 0, 15000],
    [10, 1, 30000],
  ])('after %i failures with random %f waits %i ms', (failures, random, delay) => {
    expect(reconnectDelayMs(failures, 1000, 30000, () => random)).toBe(delay);
  });
});
