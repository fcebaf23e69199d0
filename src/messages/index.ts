// The folder's public face: other folders import from here, not from its modules.

export { eventTypes, type MessageStatus, messageStatuses } from '../vocabulary.ts';
export * from './accept-messages.ts';
export * from './cancel.ts';
export * from './channel-context.ts';
export * from './idempotency.ts';
export * from './lifecycle.ts';
// The fields that other folders use; the rest of message-fields.ts is the request's own.
export {
  addressSchema,
  isTimezone,
} from './message-fields.ts';
export * from './message-input.ts';
export * from './message-view.ts';
export * from './message-writer.ts';
export * from './prepare-message.ts';
export * from './project-events.ts';
export * from './queries.ts';
export * from './status.ts';
export * from './template-test.ts';
