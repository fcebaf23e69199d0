// Vonage as a provider kind: API settings, the provider built from them with its receipt URL,
// and the delivery receipt routes (GET or POST, signed with the signature secret: without one
// configured, every receipt is refused).
import { z } from 'zod';
import { baseUrlSetting, providerKind, receiptsTaken, reportFieldsBody, secretSetting } from '../index.ts';
import { senderSetting } from './sender-setting.ts';
import { parseVonageReceipt, VonageProvider, verifyVonageSignature } from './vonage.ts';

export const vonageKind = providerKind({
  channels: ['sms'],
  rateLimit: 30,
  schema: z.strictObject({
    apiKey: z.string().min(1).max(100),
    apiSecret: secretSetting('The API secret.'),
    signatureSecret: secretSetting(
      'Verifies signed delivery receipts; unsigned receipts are refused when set.',
    ).optional(),
    signatureMethod: z.enum(['md5hash', 'md5', 'sha1', 'sha256', 'sha512']).default('md5hash'),
    from: senderSetting,
    baseUrl: baseUrlSetting('https://rest.nexmo.com'),
  }),
  secrets: ['apiSecret', 'signatureSecret'],
  destination: { field: 'baseUrl', form: 'http-url' },
  create: (settings, context) =>
    new VonageProvider({ ...settings, callbackUrl: context.callbackUrl, destinations: context.destinations }),
  callback: {
    routes: [
      {
        method: 'GET',
        carries: 'fields',
        answer: receiptsTaken,
        operationId: 'vonageDeliveryReceipt',
        summary: 'Vonage delivery receipt, as a GET (signed, sig parameter)',
        description:
          'Vonage reports what became of a message in the query string, signed with the signature secret.',
        documented: {
          querystring: z.object({
            messageId: z.string().optional(),
            status: z
              .string()
              .optional()
              .meta({ examples: ['delivered', 'failed', 'expired'] }),
            'err-code': z.string().optional(),
            'message-timestamp': z.string().optional(),
            scts: z.string().optional(),
            sig: z.string().optional().meta({ description: 'The signature of the other parameters.' }),
            timestamp: z.string().optional(),
          }),
        },
      },
      {
        method: 'POST',
        carries: 'fields',
        answer: receiptsTaken,
        operationId: 'vonageDeliveryReceiptPost',
        summary: 'Vonage delivery receipt, as a POST (signed, sig parameter)',
        description:
          'Vonage reports what became of a message in the body (JSON or form), signed with the signature secret.',
        documented: {
          body: reportFieldsBody(),
          consumes: ['application/json', 'application/x-www-form-urlencoded'],
        },
      },
    ],
    verify: (request, settings) =>
      settings.signatureSecret !== undefined &&
      verifyVonageSignature(request.fields, settings.signatureSecret, settings.signatureMethod),
    refused: {
      message: 'Vonage receipt without a valid signature refused',
      fields: (settings) => ({ configured: Boolean(settings.signatureSecret) }),
    },
    read: (request) => {
      const receipt = parseVonageReceipt(request.fields);
      return { receipts: receipt ? [receipt] : [] };
    },
  },
});
