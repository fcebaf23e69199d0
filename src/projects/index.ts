// The folder's public face: other folders import from here, not from its modules.
export * from './api-keys.ts';
export * from './project-settings.ts';
export * from './projects.ts';
