// The WhatsApp Cloud API as a provider kind: the business number, its account and tokens; the
// webhook route (X-Hub-Signature-256 over the raw bytes: statuses and users' own messages) and
// the hub.challenge handshake Meta sends once with the verify token.
import { z } from 'zod';
import { parseUntrustedJson } from '../../records/index.ts';
import { baseUrlSetting, headerValue, providerKind, secretSetting } from '../index.ts';
import { WhatsAppCloudProvider } from './cloud-provider.ts';
import { answerVerification, parseWebhook, verifyHubSignature } from './webhook.ts';

export const whatsappKind = providerKind({
  channels: ['whatsapp'],
  rateLimit: 80,
  schema: z.strictObject({
    phoneNumberId: z.string().regex(/^\d{5,30}$/, 'The phone number ID is digits (WhatsApp Manager).'),
    wabaId: z.string().regex(/^\d{5,30}$/, 'The WhatsApp Business Account ID is digits.'),
    accessToken: secretSetting('A system user access token.'),
    appSecret: secretSetting("The Meta app's secret: verifies X-Hub-Signature-256 on webhooks."),
    verifyToken: secretSetting('Any string; give the same in the webhook settings of the Meta app.'),
    apiVersion: z
      .string()
      .regex(/^v\d+\.\d+$/, 'Write a Graph API version such as "v21.0".')
      .default('v21.0'),
    baseUrl: baseUrlSetting('https://graph.facebook.com'),
  }),
  secrets: ['accessToken', 'appSecret', 'verifyToken'],
  destination: { field: 'baseUrl', form: 'http-url' },
  create: (settings, context) =>
    new WhatsAppCloudProvider({ ...settings, destinations: context.destinations }),
  callback: {
    handshake: {
      route: {
        operationId: 'whatsappWebhookVerification',
        summary: 'WhatsApp webhook verification (hub.challenge)',
        description:
          'Meta checks the webhook URL once, with the verify token set on the provider: the answer echoes its challenge.',
        querystring: z.object({
          'hub.mode': z.literal('subscribe'),
          'hub.verify_token': z.string().meta({ description: "The provider's verifyToken." }),
          'hub.challenge': z.string(),
        }),
        refused: 'The verify token does not match, or no such provider.',
      },
      answer: (query, settings) => answerVerification(query, settings.verifyToken),
    },
    routes: [
      {
        method: 'POST',
        carries: 'document',
        answer: { status: 200, description: 'Received.' },
        operationId: 'whatsappWebhook',
        summary: 'WhatsApp webhook: statuses and inbound messages (X-Hub-Signature-256)',
        description:
          'Meta reports message statuses and the messages recipients send, signed with the app secret.',
        documented: {
          body: z
            .record(z.string(), z.unknown())
            .meta({ description: 'The WhatsApp Cloud API webhook payload.' }),
          consumes: ['application/json'],
        },
      },
    ],
    verify: (request, settings) =>
      verifyHubSignature(settings.appSecret, request.rawBody, headerValue(request, 'x-hub-signature-256')),
    refused: { message: 'WhatsApp webhook with a bad signature refused' },
    read: (request) => {
      let body: unknown;
      try {
        body = parseUntrustedJson(request.rawBody.toString('utf8'));
      } catch {
        return null;
      }
      return parseWebhook(body);
    },
  },
});
