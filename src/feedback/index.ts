// The folder's public face: other folders import from here, not from its modules.
export * from './apply-report.ts';
export * from './bounce-listener.ts';
export * from './inbound-mail.ts';
export * from './suppress-after.ts';
