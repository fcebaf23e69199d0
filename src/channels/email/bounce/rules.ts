// The classifier's rules by name, for two uses outside normal parsing: `--explain` (which rule
// decided each field) and the corpus test's leave-one-family-out measure, which parses with
// the rules that only one MTA family's messages ever use turned off. Outside such a session
// (every real parse), every rule applies and nothing is recorded.
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RuleSession {
  /** Rules that must not apply. */
  disabled: ReadonlySet<string>;
  /** Rules that applied, filled as the parse goes. */
  fired: Set<string>;
  /** Results carry `explain`: which rule decided each field. */
  explain?: boolean;
}

const sessions = new AsyncLocalStorage<RuleSession>();

/** Runs `parse` with rules recorded as they apply, and `disabled` ones off. */
export function withRules<T>(session: RuleSession, parse: () => Promise<T>): Promise<T> {
  return sessions.run(session, parse);
}

/**
 * Whether the rule `id`, whose condition has just matched, may decide; recorded as fired
 * when it may. Ids: `reader:<family>`, `phrase:<reason>:<phrase>`, `code:<status>`, and
 * named special cases.
 */
export function rule(id: string): boolean {
  const session = sessions.getStore();
  if (!session) return true;
  if (session.disabled.has(id)) return false;
  session.fired.add(id);
  return true;
}

/** Whether results should say which rule decided each field. */
export function explaining(): boolean {
  return sessions.getStore()?.explain === true;
}
