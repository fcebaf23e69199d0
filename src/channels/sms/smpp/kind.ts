// SMPP as a provider kind: the SMSC's address and bind credentials; the bind is opened at
// worker start (start), receipts arrive on it (onReceipts), and their ids may be written in
// another base than submit_sm_resp gave them (receipts.idForms).
import { z } from 'zod';
import { providerKind, secretSetting } from '../../index.ts';
import { senderSetting } from '../sender-setting.ts';
import { SmppProvider } from './provider.ts';
import { receiptIdForms } from './receipts.ts';

export const smppKind = providerKind({
  channels: ['sms'],
  rateLimit: 50,
  schema: z.strictObject({
    host: z.string().min(1).max(255).meta({
      description: 'Must resolve to a public address unless AVISO_ALLOW_PRIVATE_DESTINATIONS=true.',
    }),
    port: z.number().int().min(1).max(65535).default(2775),
    tls: z.boolean().default(false),
    systemId: z.string().min(1).max(16),
    password: secretSetting('The bind password (at most 9 characters in SMPP 3.4).'),
    systemType: z.string().max(13).default(''),
    from: senderSetting,
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
  destination: { field: 'host', form: 'host' },
  create: (settings, context) =>
    new SmppProvider({ ...settings, destinations: context.destinations }, context.onReceipts, context.log),
  start: (provider) => provider.start(),
  receipts: { idForms: receiptIdForms },
});
