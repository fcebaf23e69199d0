// Twilio as a provider kind: account settings, the provider built from them with its status
// callback URL, and the status callback route (X-Twilio-Signature over the URL and the form).
import { z } from 'zod';
import {
  baseUrlSetting,
  headerValue,
  providerKind,
  receiptsTaken,
  reportFieldsBody,
  secretSetting,
} from '../index.ts';
import { senderSetting } from './sender-setting.ts';
import { parseTwilioStatus, TwilioProvider, verifyTwilioSignature } from './twilio.ts';

export const twilioKind = providerKind({
  channels: ['sms'],
  rateLimit: 100,
  schema: z
    .strictObject({
      accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'An Account SID is "AC" and 32 hex digits.'),
      authToken: secretSetting('Signs requests and status callbacks.'),
      from: senderSetting,
      messagingServiceSid: z
        .string()
        .regex(/^MG[0-9a-fA-F]{32}$/, 'A Messaging Service SID is "MG" and 32 hex digits.')
        .optional(),
      baseUrl: baseUrlSetting('https://api.twilio.com'),
    })
    .refine((c) => c.from !== undefined || c.messagingServiceSid !== undefined, {
      message: 'Give "from" or "messagingServiceSid".',
      path: ['from'],
      params: { code: 'field_required' },
    }),
  secrets: ['authToken'],
  destination: { field: 'baseUrl', form: 'http-url' },
  create: (settings, context) =>
    new TwilioProvider({
      ...settings,
      statusCallbackUrl: context.callbackUrl,
      destinations: context.destinations,
    }),
  callback: {
    routes: [
      {
        method: 'POST',
        carries: 'fields',
        answer: receiptsTaken,
        operationId: 'twilioStatusCallback',
        summary: 'Twilio status callback (X-Twilio-Signature)',
        description:
          'Twilio reports what became of a message (MessageSid, MessageStatus, ErrorCode), signed with the account’s auth token.',
        documented: { body: reportFieldsBody(), consumes: ['application/x-www-form-urlencoded'] },
      },
    ],
    verify: (request, settings) =>
      verifyTwilioSignature(
        settings.authToken,
        request.url,
        request.fields,
        headerValue(request, 'x-twilio-signature'),
      ),
    refused: { message: 'Twilio callback with a bad signature refused' },
    read: (request) => {
      const receipt = parseTwilioStatus(request.fields);
      return { receipts: receipt ? [receipt] : [] };
    },
  },
});
