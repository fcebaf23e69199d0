// The default sender of an SMS provider's settings, checked as carriers check sender IDs.
import { z } from 'zod';
import { isValidSenderId } from './phone.ts';

export const senderSetting = z
  .string()
  .refine(isValidSenderId, {
    message: 'A sender is a number in E.164 or a name of 1 to 11 letters, digits and spaces.',
    params: { code: 'invalid_sender_id' },
  })
  .optional()
  .meta({ description: 'Default sender ID or number for messages without "from".' });
