// The SMPP folder's public face: the provider, its kind, and the pure parts tests check alone.
export { smppKind } from './kind.ts';
export { type SmppOptions, SmppProvider } from './provider.ts';
export {
  parseDeliveryReceipt,
  receiptIdForms,
  toProviderReceipt,
} from './receipts.ts';
export { reconnectDelayMs, type SmppLog } from './session.ts';
export { classifySubmitStatus } from './status.ts';
export { smppAbsoluteTime } from './time.ts';
