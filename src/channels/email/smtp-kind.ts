// The SMTP relay as a provider kind: its one setting is the relay's URL, credentials included
// (hence a secret). Pools open on the first send; nothing listens for the relay's answers
// here, bounces come back by mail (feedback/).
import { z } from 'zod';
import { providerKind } from '../index.ts';
import { parseSmtpUrl, SmtpProvider } from './smtp-provider.ts';

export const smtpKind = providerKind({
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
  destination: { field: 'url', form: 'smtp-url' },
  create: (settings, context) => new SmtpProvider(parseSmtpUrl(settings.url), context.destinations),
});
