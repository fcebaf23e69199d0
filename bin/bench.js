#!/usr/bin/env node
// `npm run bench`: runs the benchmarks in bench/ from their TypeScript sources (tsx), like
// bin/aviso.js does for the CLI. Not part of `npm test`.
import { register } from 'tsx/esm/api';

register();
await import('../bench/main.ts');
