// What one SMS becomes on the wire: the submit_sm fields of each of its segments (addresses,
// data coding, the concatenation UDH, the validity period), and the error of a segment that
// failed after others went. Pure; it never splits text itself (splitSms decides the parts).
import smpp, { type PduOptions } from 'smpp';
import { type OutgoingSms, PermanentError, ProviderDownError, TransientError } from '../../index.ts';
import type { SmsEncoding } from '../encoding.ts';
import { smppAbsoluteTime } from './time.ts';

function sourceAddress(sender: string): PduOptions {
  if (/^\+?\d+$/.test(sender))
    return { source_addr_ton: 1, source_addr_npi: 1, source_addr: sender.replace('+', '') };
  return { source_addr_ton: 5, source_addr_npi: 0, source_addr: sender };
}

/** GSM 03.38 septets one per octet (the SMSC packs them), or UTF-16BE. */
function encodeText(text: string, encoding: SmsEncoding): Buffer {
  return encoding === 'GSM-7' ? smpp.gsmCoder.encode(text, 0) : Buffer.from(text, 'utf16le').swap16();
}

/** TS 23.040 §9.2.3.24.1: concatenated short message, 8-bit reference. */
function concatenationHeader(reference: number, total: number, sequence: number): Buffer {
  return Buffer.from([0x05, 0x00, 0x03, reference, total, sequence]);
}

/** The submit_sm fields of each part, in order; `reference` ties the parts of one message. */
export function segmentFields(
  message: OutgoingSms,
  sender: string,
  encoding: SmsEncoding,
  parts: string[],
  reference: number,
): PduOptions[] {
  const common: PduOptions = {
    ...sourceAddress(sender),
    dest_addr_ton: 1,
    dest_addr_npi: 1,
    destination_addr: message.to.replace('+', ''),
    registered_delivery: 1,
    data_coding: encoding === 'GSM-7' ? 0 : 8,
    validity_period: message.validUntil ? smppAbsoluteTime(message.validUntil) : '',
  };
  return parts.map((part, index) => {
    const text = encodeText(part, encoding);
    return parts.length === 1
      ? { ...common, esm_class: 0, short_message: text }
      : {
          ...common,
          esm_class: 0x40,
          short_message: Buffer.concat([concatenationHeader(reference, parts.length, index + 1), text]),
        };
  });
}

/** Rebuilds a segment's error so that it says how much of the message went out. */
export function afterAcceptedSegments(error: unknown, accepted: string[], total: number): unknown {
  if (!(error instanceof TransientError || error instanceof PermanentError) || accepted.length === 0)
    return error;
  const note = `${accepted.length} of ${total} segments accepted (${accepted.join(', ')}) before segment ${accepted.length + 1} failed`;
  const message = `${error.message}; ${note}`;
  const details = { ...error.details, response: `${error.details.response ?? error.message}; ${note}` };
  if (error instanceof PermanentError) return new PermanentError(message, error.kind, details);
  if (error instanceof ProviderDownError) return new ProviderDownError(message, details);
  return new TransientError(message, details);
}
