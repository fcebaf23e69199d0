// The folder's public face: other folders import from here, not from its modules.
export * from './notify.ts';
export * from './providers.ts';
export * from './queue.ts';
export * from './rate-limiter.ts';
export * from './receipt-applier.ts';
export * from './receipts.ts';
export * from './routing.ts';
export * from './worker.ts';
