#!/usr/bin/env node
// `npm run docs:config`: rewrites README.md's configuration table from the settings table in
// src/config/config.ts (a test fails while they differ).
import { readFileSync, writeFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const { withSettingsTable } = await import('../src/config/config-docs.ts');
const file = new URL('../README.md', import.meta.url);
const before = readFileSync(file, 'utf8');
const after = withSettingsTable(before);
if (after !== before) writeFileSync(file, after);
console.log(
  after === before ? 'README.md: the settings table is up to date' : 'README.md: settings table rewritten',
);
