// The folder's public face: other folders import from here, not from its modules.

export * from './csv-import.ts';
export * from './list.ts';
export * from './store.ts';
