// The folder's public face: other folders import from here, not from its modules.
export * from './capture-provider.ts';
export * from './http.ts';
export * from './provider.ts';
export * from './provider-kind.ts';
