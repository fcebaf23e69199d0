// The entry of a template thread. Worker threads do not inherit the main thread's TypeScript
// loader (bin/aviso.js registers tsx), so each thread registers it before loading its code.
import { register } from 'tsx/esm/api';

register();
await import('./thread.ts');
