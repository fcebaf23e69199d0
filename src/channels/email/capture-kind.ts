// The capture kind serves every channel: it stores what would have been sent and delivers
// nothing. It lives in email/ because it builds email's capture (which composes MIME) as well
// as the other channels' one, and email/ may import channels/, not the reverse.
import { z } from 'zod';
import { channels } from '../../vocabulary.ts';
import { CaptureMessageProvider, providerKind } from '../index.ts';
import { CaptureProvider } from './capture-provider.ts';

export const captureKind = providerKind({
  channels: [...channels],
  rateLimit: null,
  schema: z.strictObject({}),
  secrets: [],
  create: (_settings, context) =>
    context.channel === 'email' ? new CaptureProvider(context.db) : new CaptureMessageProvider(context.db),
});
