// The folder's public face: other folders import from here, not from its modules.
export * from './machine.ts';
export * from './outgoing-email.ts';
export * from './record.ts';
export * from './rewrite.ts';
export * from './tokens.ts';
export * from './unsubscribe.ts';
