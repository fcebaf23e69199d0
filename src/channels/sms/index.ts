// The folder's public face: other folders import from here, not from its modules.
export * from './encoding.ts';
export * from './phone.ts';
export {
  SmppProvider,
  smppKind,
} from './smpp/index.ts';
export { TwilioProvider } from './twilio.ts';
export { twilioKind } from './twilio-kind.ts';
export { VonageProvider } from './vonage.ts';
export { vonageKind } from './vonage-kind.ts';
