// The folder's public face: other folders import from here, not from its modules.
export * from './cloud-provider.ts';
export { classifyGraphError, pairRateLimitMs } from './graph-errors.ts';
export * from './templates.ts';
export * from './webhook.ts';
export { whatsappKind } from './whatsapp-kind.ts';
