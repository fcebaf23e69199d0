// The folder's public face: other folders import from here, not from its modules.
export * from './database.ts';
export * from './embedded-postgres.ts';
export * from './keyset-page.ts';
export * from './migrate.ts';
export * from './schema.ts';
export * from './supervisor.ts';
