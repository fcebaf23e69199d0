// Objects whose keys come from user text (template variable paths, header names, data keys,
// JSON from files, callbacks and providers). A key such as `__proto__` written onto a plain
// object reaches the prototype every object of the process shares, so these maps are built
// without prototypes, and such keys are refused where a name is chosen (template variables).
import secureJson from 'secure-json-parse';

/** Names that reach an object's prototype chain when used as property keys. */
const forbiddenKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

export function isForbiddenKey(key: PropertyKey): boolean {
  return typeof key === 'string' && forbiddenKeys.has(key);
}

/** An empty object without a prototype: any string is an own key, none reaches Object.prototype. */
export function emptyRecord<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/**
 * JSON.parse for text from outside (files, provider answers, callbacks, CLI options): keys
 * that would poison a prototype (`__proto__`, `constructor.prototype`) are dropped, so a
 * later merge or assignment of the value cannot reach Object.prototype. Throws SyntaxError
 * like JSON.parse.
 */
export function parseUntrustedJson(text: string): unknown {
  return secureJson.parse(text, undefined, { protoAction: 'remove', constructorAction: 'remove' });
}
