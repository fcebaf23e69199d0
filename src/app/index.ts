// The folder's public face: other folders import from here, not from its modules.
export * from './open.ts';
export * from './running.ts';
export * from './services.ts';
export * from './stored-secrets.ts';
