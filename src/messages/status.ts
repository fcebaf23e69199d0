// A message's priority: which lane it waits in (a 2FA code never waits behind a bulk send).
// Its statuses and how they change are in lifecycle.ts.

import type { Priority } from '../vocabulary.ts';

export const priorities = { high: 1, normal: 2, low: 3 } as const satisfies Record<Priority, number>;

export function priorityName(value: number): Priority {
  return value === 1 ? 'high' : value === 3 ? 'low' : 'normal';
}
