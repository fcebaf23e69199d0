// The folder's public face: other folders import from here, not from its modules.
export * from './delivery-log.ts';
export * from './dispatcher.ts';
export * from './endpoints.ts';
export * from './payload.ts';
export * from './replay.ts';
export * from './retry-schedule.ts';
export * from './send-webhook.ts';
export * from './sign.ts';
