// The folder's public face: other folders import from here, not from its modules.
export * from './config.ts';
export * from './config-docs.ts';
