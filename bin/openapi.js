#!/usr/bin/env node
// Prints the OpenAPI document (the one /openapi.json serves), or writes it to the file given:
// `npm run openapi -- openapi.json`. Needs no database.
import { writeFileSync } from 'node:fs';
import { register } from 'tsx/esm/api';

register();
const { openApiDocument } = await import('../src/api/openapi-document.ts');
const text = `${JSON.stringify(await openApiDocument(), null, 2)}\n`;
if (process.argv[2]) writeFileSync(process.argv[2], text);
else process.stdout.write(text);
