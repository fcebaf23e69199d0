// The folder's public face: other folders import from here, not from its modules.
export * from './address.ts';
export { captureKind } from './capture-kind.ts';
export * from './capture-provider.ts';
export * from './dns-records.ts';
export * from './domains.ts';
export * from './return-path.ts';
export { refusalAsBounce } from './smtp-errors.ts';
export { smtpKind } from './smtp-kind.ts';
export * from './smtp-provider.ts';
