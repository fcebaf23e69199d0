// The folder's public face: other folders import from here, not from its modules.
export * from './compile.ts';
export * from './content.ts';
export * from './folder.ts';
export * from './limits.ts';
export * from './liquid.ts';
export * from './locale.ts';
export * from './preview.ts';
export * from './published.ts';
export * from './push.ts';
export * from './render.ts';
export * from './starters.ts';
export * from './store.ts';
export { configureTemplateThreads, defaultTemplateThreadOptions } from './threads/pool.ts';
export * from './variables.ts';
export * from './work.ts';
