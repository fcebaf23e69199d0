// The folder's public face: other folders import from here, not from its modules.
export * from './envelope.ts';
export * from './keyring.ts';
export * from './keyring-file.ts';
export * from './master-key-error.ts';
export * from './places.ts';
export * from './secrets.ts';
