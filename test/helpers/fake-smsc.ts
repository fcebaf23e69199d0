// A real SMSC peer for tests, on the smpp package's server: it binds one system_id/password,
// answers enquire_link, records every submit_sm as its octets arrived on the wire and sends
// delivery receipts. Knobs make it throttle, refuse destinations or segments, answer slowly,
// ignore keep-alives or drop the link.
import smpp, { type PDU, type PduOptions, type Session } from 'smpp';

interface SubmittedSm {
  sourceAddr: string;
  sourceTon: number;
  sourceNpi: number;
  destinationAddr: string;
  destTon: number;
  destNpi: number;
  esmClass: number;
  registeredDelivery: number;
  dataCoding: number;
  /** As sent (YYMMDDhhmmsstnnp); '' when none. */
  validityPeriod: string;
  /** The concatenation information element (IEI 0x00); null without a UDH. */
  udh: { reference: number; total: number; seq: number } | null;
  /** The user data after the UDH: GSM septets one per octet, or UTF-16BE. */
  octets: Buffer;
  /** The octets decoded per data_coding (0: GSM 03.38, 8: UCS-2). */
  text: string;
  /** command_status of the answer; messageId is set when it is 0. */
  status: number;
  messageId: string | null;
  submittedAt: Date;
}

type IdForm = 'same' | 'other';

export interface FakeSmscOptions {
  systemId?: string;
  password?: string;
  /** How submit_sm_resp writes message ids: decimal, or hex upper case padded to 8 digits. */
  idFormat?: 'decimal' | 'hex';
  /** 'auto': a DELIVRD receipt follows every accepted submit_sm that asks for one. */
  receipts?: 'auto' | 'manual';
  /** The form of the id in receipts: as in submit_sm_resp, or the other (hex ↔ decimal). */
  receiptIdForm?: IdForm;
  responseDelayMs?: number;
}

interface ReceiptOptions {
  err?: string;
  idForm?: IdForm;
  /** Written as the done date; now by default. */
  doneAt?: Date;
  /** Adds the receipted_message_id and message_state TLVs. */
  tlvs?: boolean;
  /** false leaves short_message empty (a receipt in TLVs only). */
  bodyText?: boolean;
}

export interface FakeSmsc {
  port: number;
  systemId: string;
  password: string;
  idFormat: 'decimal' | 'hex';
  responseDelayMs: number;
  /** false: enquire_link goes unanswered (a half-dead link). */
  answerEnquireLink: boolean;
  submitted: SubmittedSm[];
  counters: {
    binds: number;
    bindFailures: number;
    enquireLinks: number;
    unbinds: number;
    /** The most submit_sm received and not answered yet, at any moment. */
    maxOutstanding: number;
  };
  /** Answers the next n submit_sm with 0x58 ESME_RTHROTTLED. */
  throttleNext(n: number): void;
  rejectDestination(number: string, status: number): void;
  /** Refuses every segment with this UDH sequence number. */
  refuseSegment(seq: number, status: number): void;
  /** Sends a receipt on the bound session; resolves with the deliver_sm_resp command_status. */
  sendReceipt(messageId: string, stat: string, options?: ReceiptOptions): Promise<number>;
  /** Sends an inbound SMS (a deliver_sm that is not a receipt). */
  sendInbound(from: string, text: string): Promise<number>;
  waitFor(count: number, timeoutMs?: number): Promise<SubmittedSm[]>;
  dropConnections(): void;
  close(): Promise<void>;
}

const messageStates: Record<string, number> = {
  ENROUTE: 1,
  DELIVRD: 2,
  EXPIRED: 3,
  DELETED: 4,
  UNDELIV: 5,
  ACCEPTD: 6,
  UNKNOWN: 7,
  REJECTD: 8,
};

/** Reads a submit_sm body (after command_length) field by field, SMPP 3.4 §4.4.1. */
function parseSubmitSm(body: Buffer): Omit<SubmittedSm, 'status' | 'messageId' | 'submittedAt'> {
  let at = 12; // command_id, command_status, sequence_number
  const int8 = () => body.readUInt8(at++);
  const cstring = () => {
    const end = body.indexOf(0, at);
    const value = body.toString('latin1', at, end);
    at = end + 1;
    return value;
  };
  cstring(); // service_type
  const sourceTon = int8();
  const sourceNpi = int8();
  const sourceAddr = cstring();
  const destTon = int8();
  const destNpi = int8();
  const destinationAddr = cstring();
  const esmClass = int8();
  int8(); // protocol_id
  int8(); // priority_flag
  cstring(); // schedule_delivery_time
  const validityPeriod = cstring();
  const registeredDelivery = int8();
  int8(); // replace_if_present_flag
  const dataCoding = int8();
  int8(); // sm_default_msg_id
  const length = int8();
  const userData = body.subarray(at, at + length);

  let udh: SubmittedSm['udh'] = null;
  let octets = userData;
  if (esmClass & 0x40) {
    const headerLength = userData.readUInt8(0);
    const header = userData.subarray(1, 1 + headerLength);
    for (let i = 0; i + 1 < header.length; i += 2 + (header[i + 1] ?? 0)) {
      if (header[i] === 0x00 && header[i + 1] === 3)
        udh = { reference: header[i + 2] ?? -1, total: header[i + 3] ?? -1, seq: header[i + 4] ?? -1 };
    }
    octets = userData.subarray(1 + headerLength);
  }
  const text =
    dataCoding === 8 ? Buffer.from(octets).swap16().toString('utf16le') : smpp.gsmCoder.decode(octets, 0);
  return {
    sourceAddr,
    sourceTon,
    sourceNpi,
    destinationAddr,
    destTon,
    destNpi,
    esmClass,
    registeredDelivery,
    dataCoding,
    validityPeriod,
    udh,
    octets: Buffer.from(octets),
    text,
  };
}

function receiptTime(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    two(date.getUTCFullYear() % 100) +
    two(date.getUTCMonth() + 1) +
    two(date.getUTCDate()) +
    two(date.getUTCHours()) +
    two(date.getUTCMinutes())
  );
}

export async function startFakeSmsc(options: FakeSmscOptions = {}): Promise<FakeSmsc> {
  let throttle = 0;
  let outstanding = 0;
  // Ids are numbers; hex ones have letters from the start, so the two forms never look alike.
  let nextId = 0xa1f0;
  const refusedDestinations = new Map<string, number>();
  const refusedSegments = new Map<number, number>();
  const numbers = new Map<string, { value: number; record: SubmittedSm }>();
  const bound = new Set<Session>();
  const receiptMode = options.receipts ?? 'manual';
  const defaultIdForm = options.receiptIdForm ?? 'same';

  const idText = (value: number, format: 'decimal' | 'hex') =>
    format === 'decimal' ? String(value) : value.toString(16).toUpperCase().padStart(8, '0');

  const boundSession = () => {
    const session = [...bound].at(-1);
    if (!session) throw new Error('fake SMSC: no bound session');
    return session;
  };

  const deliver = (session: Session, fields: PduOptions) =>
    new Promise<number>((resolve) => {
      if (!session.deliver_sm(fields, (resp) => resolve(resp.command_status)))
        throw new Error('fake SMSC: the session is not writable');
    });

  const smsc: FakeSmsc = {
    port: 0,
    systemId: options.systemId ?? 'aviso',
    password: options.password ?? 'secret',
    idFormat: options.idFormat ?? 'decimal',
    responseDelayMs: options.responseDelayMs ?? 0,
    answerEnquireLink: true,
    submitted: [],
    counters: { binds: 0, bindFailures: 0, enquireLinks: 0, unbinds: 0, maxOutstanding: 0 },
    throttleNext(n) {
      throttle = n;
    },
    rejectDestination(number, status) {
      refusedDestinations.set(number, status);
    },
    refuseSegment(seq, status) {
      refusedSegments.set(seq, status);
    },
    async sendReceipt(messageId, stat, receipt = {}) {
      const known = numbers.get(messageId);
      if (!known) throw new Error(`fake SMSC: no message ${messageId}`);
      const { value, record } = known;
      const form = receipt.idForm ?? defaultIdForm;
      const format = form === 'same' ? smsc.idFormat : smsc.idFormat === 'decimal' ? 'hex' : 'decimal';
      // The id as this SMSC writes receipts: ids in the other form carry no padding.
      const id =
        format === smsc.idFormat ? messageId : format === 'decimal' ? String(value) : value.toString(16);
      const err = receipt.err ?? (stat === 'DELIVRD' ? '000' : '001');
      const text =
        `id:${id} sub:001 dlvrd:${stat === 'DELIVRD' ? '001' : '000'} ` +
        `submit date:${receiptTime(record.submittedAt)} done date:${receiptTime(receipt.doneAt ?? new Date())} ` +
        `stat:${stat} err:${err} text:${record.dataCoding === 0 ? record.text.slice(0, 20) : ''}`;
      return deliver(boundSession(), {
        source_addr_ton: record.destTon,
        source_addr_npi: record.destNpi,
        source_addr: record.destinationAddr,
        dest_addr_ton: record.sourceTon,
        dest_addr_npi: record.sourceNpi,
        destination_addr: record.sourceAddr,
        esm_class: 0x04,
        data_coding: 0,
        short_message: receipt.bodyText === false ? '' : text,
        ...(receipt.tlvs ? { receipted_message_id: id, message_state: messageStates[stat] ?? 7 } : {}),
      });
    },
    async sendInbound(from, text) {
      return deliver(boundSession(), {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: from,
        esm_class: 0,
        data_coding: 0,
        short_message: text,
      });
    },
    async waitFor(count, timeoutMs = 5_000) {
      const deadline = Date.now() + timeoutMs;
      while (smsc.submitted.length < count) {
        if (Date.now() > deadline)
          throw new Error(`fake SMSC got ${smsc.submitted.length} of ${count} submit_sm`);
        await new Promise((r) => setTimeout(r, 5));
      }
      return smsc.submitted;
    },
    dropConnections() {
      for (const session of [...server.sessions]) session.destroy();
    },
    close() {
      smsc.dropConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };

  const server = smpp.createServer((session) => {
    // The package decodes short_message before handing the PDU over; the test needs the octets
    // as sent, so the last body read from the socket (the PDU being handled) is kept.
    session.socket.setNoDelay(true);
    let lastBody = Buffer.alloc(0);
    const read = session.socket.read.bind(session.socket);
    session.socket.read = (size?: number) => {
      const chunk = read(size);
      if (chunk) lastBody = chunk;
      return chunk;
    };
    session.on('error', () => {});
    session.on('close', () => bound.delete(session));

    session.on('bind_transceiver', (pdu: PDU) => {
      const status = pdu.system_id !== smsc.systemId ? 0x0f : pdu.password !== smsc.password ? 0x0e : 0;
      if (status) {
        smsc.counters.bindFailures++;
        session.send(pdu.response({ command_status: status }));
        return;
      }
      smsc.counters.binds++;
      bound.add(session);
      session.send(pdu.response({ system_id: 'fake-smsc' }));
    });
    session.on('enquire_link', (pdu: PDU) => {
      smsc.counters.enquireLinks++;
      if (smsc.answerEnquireLink) session.send(pdu.response());
    });
    session.on('unbind', (pdu: PDU) => {
      smsc.counters.unbinds++;
      bound.delete(session);
      session.send(pdu.response());
      session.close();
    });
    session.on('submit_sm', (pdu: PDU) => {
      if (!bound.has(session)) {
        session.send(pdu.response({ command_status: 0x04 })); // ESME_RINVBNDSTS
        return;
      }
      const fields = parseSubmitSm(lastBody);
      outstanding++;
      smsc.counters.maxOutstanding = Math.max(smsc.counters.maxOutstanding, outstanding);
      let status = refusedDestinations.get(fields.destinationAddr) ?? 0;
      if (!status && fields.udh) status = refusedSegments.get(fields.udh.seq) ?? 0;
      if (!status && throttle > 0) {
        throttle--;
        status = 0x58;
      }
      const value = nextId++;
      const messageId = status === 0 ? idText(value, smsc.idFormat) : null;
      const record: SubmittedSm = { ...fields, status, messageId, submittedAt: new Date() };
      smsc.submitted.push(record);
      if (messageId) numbers.set(messageId, { value, record });
      const answer = () => {
        outstanding--;
        session.send(pdu.response(messageId ? { message_id: messageId } : { command_status: status }));
        if (messageId && receiptMode === 'auto' && record.registeredDelivery & 1)
          void smsc.sendReceipt(messageId, 'DELIVRD').catch(() => {});
      };
      if (smsc.responseDelayMs > 0) setTimeout(answer, smsc.responseDelayMs);
      else answer();
    });
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const address = server.address();
  smsc.port = typeof address === 'object' && address ? address.port : 0;
  return smsc;
}
