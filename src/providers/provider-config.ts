// What each kind of provider needs to be configured, as zod schemas: the API and the CLI
// validate with them, the registry builds providers from what they output, and the OpenAPI
// document shows them. Secrets are marked so views can mask them.
import { z } from 'zod';
import type { Channel } from '../channels/index.ts';
import { isValidSenderId } from '../channels/sms/index.ts';
import { channels } from '../vocabulary.ts';

// Read by the destination guard (destinations.ts), as webhook URLs are: zod's own URL check
// would drop tabs and line breaks silently instead of refusing them.
const baseUrl = (def: string) =>
  z
    .string()
    .min(1)
    .max(2048)
    .optional()
    .meta({
      format: 'uri',
      description: `The API's base URL (default ${def}); point it at a test server if you like. It must resolve to a public address unless AVISO_ALLOW_PRIVATE_DESTINATIONS=true.`,
    });

const secret = (description: string) => z.string().min(1).max(500).meta({ description, format: 'password' });

const sender = z
  .string()
  .refine(isValidSenderId, {
    message: 'A sender is a number in E.164 or a name of 1 to 11 letters, digits and spaces.',
    params: { code: 'invalid_sender_id' },
  })
  .optional()
  .meta({ description: 'Default sender ID or number for messages without "from".' });

export const providerTypes = {
  smtp: {
    channels: ['email'],
    rateLimit: null,
    schema: z.strictObject({
      url: z
        .string()
        .regex(/^smtps?:\/\/[^/]+/, 'Write smtp://user:pass@host:port or smtps://host:port.')
        .meta({
          description:
            'smtp://user:pass@host:port (query: pool=N connections); the host must resolve to a public address unless AVISO_ALLOW_PRIVATE_DESTINATIONS=true.',
          format: 'password',
        }),
    }),
    secrets: ['url'],
  },
  capture: {
    channels: [...channels],
    rateLimit: null,
    schema: z.strictObject({}),
    secrets: [],
  },
  twilio: {
    channels: ['sms'],
    rateLimit: 100,
    schema: z
      .strictObject({
        accountSid: z.string().regex(/^AC[0-9a-fA-F]{32}$/, 'An Account SID is "AC" and 32 hex digits.'),
        authToken: secret('Signs requests and status callbacks.'),
        from: sender,
        messagingServiceSid: z
          .string()
          .regex(/^MG[0-9a-fA-F]{32}$/, 'A Messaging Service SID is "MG" and 32 hex digits.')
          .optional(),
        baseUrl: baseUrl('https://api.twilio.com'),
      })
      .refine((c) => c.from !== undefined || c.messagingServiceSid !== undefined, {
        message: 'Give "from" or "messagingServiceSid".',
        path: ['from'],
        params: { code: 'field_required' },
      }),
    secrets: ['authToken'],
  },
  vonage: {
    channels: ['sms'],
    rateLimit: 30,
    schema: z.strictObject({
      apiKey: z.string().min(1).max(100),
      apiSecret: secret('The API secret.'),
      signatureSecret: secret(
        'Verifies signed delivery receipts; unsigned receipts are refused when set.',
      ).optional(),
      signatureMethod: z.enum(['md5hash', 'md5', 'sha1', 'sha256', 'sha512']).default('md5hash'),
      from: sender,
      baseUrl: baseUrl('https://rest.nexmo.com'),
    }),
    secrets: ['apiSecret', 'signatureSecret'],
  },
  smpp: {
    channels: ['sms'],
    rateLimit: 50,
    schema: z.strictObject({
      host: z.string().min(1).max(255).meta({
        description: 'Must resolve to a public address unless AVISO_ALLOW_PRIVATE_DESTINATIONS=true.',
      }),
      port: z.number().int().min(1).max(65535).default(2775),
      tls: z.boolean().default(false),
      systemId: z.string().min(1).max(16),
      password: secret('The bind password (at most 9 characters in SMPP 3.4).'),
      systemType: z.string().max(13).default(''),
      from: sender,
      window: z
        .number()
        .int()
        .min(1)
        .max(100)
        .default(10)
        .meta({ description: 'Unanswered submit_sm at once.' }),
      enquireLinkSeconds: z.number().min(1).max(600).default(30),
    }),
    secrets: ['password'],
  },
  whatsapp: {
    channels: ['whatsapp'],
    rateLimit: 80,
    schema: z.strictObject({
      phoneNumberId: z.string().regex(/^\d{5,30}$/, 'The phone number ID is digits (WhatsApp Manager).'),
      wabaId: z.string().regex(/^\d{5,30}$/, 'The WhatsApp Business Account ID is digits.'),
      accessToken: secret('A system user access token.'),
      appSecret: secret("The Meta app's secret: verifies X-Hub-Signature-256 on webhooks."),
      verifyToken: secret('Any string; give the same in the webhook settings of the Meta app.'),
      apiVersion: z
        .string()
        .regex(/^v\d+\.\d+$/, 'Write a Graph API version such as "v21.0".')
        .default('v21.0'),
      baseUrl: baseUrl('https://graph.facebook.com'),
    }),
    secrets: ['accessToken', 'appSecret', 'verifyToken'],
  },
} as const;

export type ProviderType = keyof typeof providerTypes;
export const providerTypeNames = Object.keys(providerTypes) as ProviderType[];

export type ProviderSettings<T extends ProviderType> = z.output<(typeof providerTypes)[T]['schema']>;

export function channelsOf(type: ProviderType): readonly Channel[] {
  return providerTypes[type].channels;
}

/** The default messages/s of a provider type; null: no limit. */
export function defaultRateLimit(type: ProviderType): number | null {
  return providerTypes[type].rateLimit;
}

/** The configuration with its secrets masked: "••••3f9a". */
export function maskSecrets(type: ProviderType, config: Record<string, unknown>): Record<string, unknown> {
  const out = { ...config };
  for (const key of providerTypes[type].secrets) {
    const value = out[key];
    if (typeof value === 'string') out[key] = `••••${value.length > 8 ? value.slice(-4) : ''}`;
  }
  return out;
}
