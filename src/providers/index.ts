// The folder's public face: other folders import from here, not from its modules.
export * from './provider-kinds.ts';
export * from './store.ts';
export * from './whatsapp-contacts.ts';
export * from './whatsapp-templates.ts';
