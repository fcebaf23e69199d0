// The folder's public face: other folders import from here, not from its modules.
export * from './encoding.ts';
export * from './phone.ts';
export {
  parseDeliveryReceipt,
  receiptIdForms,
  type SmppOptions,
  SmppProvider,
  smppKind,
} from './smpp/index.ts';
export {
  parseTwilioStatus,
  type TwilioOptions,
  TwilioProvider,
  twilioSignature,
  verifyTwilioSignature,
} from './twilio.ts';
export { twilioKind } from './twilio-kind.ts';
export {
  parseVonageReceipt,
  type VonageOptions,
  VonageProvider,
  type VonageSignatureMethod,
  verifyVonageSignature,
  vonageSignature,
} from './vonage.ts';
export { vonageKind } from './vonage-kind.ts';
