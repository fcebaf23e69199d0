// The folder's public face: other folders import from here, not from its modules.
export * from './destination-guard.ts';
export * from './destination-policies.ts';
export * from './foreign-text.ts';
export * from './pinned-request.ts';
