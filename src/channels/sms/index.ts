// The folder's public face: other folders import from here, not from its modules.
export * from './encoding.ts';
export * from './phone.ts';
export { parseDeliveryReceipt, receiptIdForms, type SmppOptions, SmppProvider } from './smpp-provider.ts';
export {
  parseTwilioStatus,
  type TwilioOptions,
  TwilioProvider,
  twilioSignature,
  verifyTwilioSignature,
} from './twilio.ts';
export {
  parseVonageReceipt,
  type VonageOptions,
  VonageProvider,
  type VonageSignatureMethod,
  verifyVonageSignature,
  vonageSignature,
} from './vonage.ts';
