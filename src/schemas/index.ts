// The folder's public face: other folders import from here, not from its modules.

export * from './constraints.ts';
export * from './patch.ts';
