// Finds every variable a render needs that the data lacks, so one 422 lists them all instead of
// the first only. Liquid stops at the first undefined variable; we watch which property it
// was reading (the data is wrapped in proxies that remember the last missing lookup), put a
// stand-in there and render again, until the render passes or stops for another reason.
// Used on the error path only: a render that succeeds never pays for this.

/** A missing value at a concrete path (`order.items[1].price`). */
export interface MissingVariable {
  path: string;
  /** The same path with array indexes removed (`order.items[].price`). */
  pattern: string;
}

const maxRounds = 100;

const standInMark = Symbol('aviso.standIn');

/** True for the value put where data was missing; filters pass it through instead of failing. */
export function isStandIn(value: unknown): boolean {
  return (
    typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[standInMark] === true
  );
}

/** Any property of it is itself; it prints as nothing and iterates as nothing. */
function standIn(): object {
  const target: Record<PropertyKey, unknown> = {};
  const proxy: object = new Proxy(target, {
    get: (_t, key) => {
      if (key === standInMark) return true;
      if (key === Symbol.toPrimitive) return () => '';
      if (key === 'toString' || key === 'valueOf') return () => '';
      if (typeof key === 'symbol') return undefined;
      return proxy;
    },
    has: () => true,
    getOwnPropertyDescriptor: (_t, key) =>
      typeof key === 'symbol'
        ? undefined
        : { value: proxy, writable: true, enumerable: false, configurable: true },
    ownKeys: () => [],
  });
  return proxy;
}

function childPath(parent: string, key: string, container: object): string {
  if (Array.isArray(container) && /^\d+$/.test(key)) return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/**
 * Wraps `data` so that every lookup of a property it does not own is remembered in
 * `last.path`. Values are wrapped lazily, as Liquid walks into them.
 */
function watched(data: object, last: { path?: string }): object {
  const cache = new WeakMap<object, object>();
  const wrap = (value: unknown, path: string): unknown => {
    if (value === null || typeof value !== 'object') return value;
    const known = cache.get(value);
    if (known) return known;
    const miss = (target: object, key: PropertyKey) => {
      if (typeof key === 'string' && !Object.hasOwn(target, key)) last.path = childPath(path, key, target);
    };
    const proxy = new Proxy(value, {
      get(target, key, receiver) {
        const v = Reflect.get(target, key, receiver);
        if (typeof key === 'symbol' || !Object.hasOwn(target, key)) return v;
        return wrap(v, childPath(path, key, target));
      },
      has(target, key) {
        miss(target, key);
        return Reflect.has(target, key);
      },
      getOwnPropertyDescriptor(target, key) {
        miss(target, key);
        return Reflect.getOwnPropertyDescriptor(target, key);
      },
    });
    cache.set(value, proxy);
    return proxy;
  };
  return wrap(data, '') as object;
}

/**
 * Puts `value` at `path` of the copied data. Only own properties are walked and written (as
 * data properties), so a path through `__proto__` can never reach a shared prototype.
 */
function setAt(data: Record<string, unknown>, path: string, value: unknown) {
  const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '');
  let node: Record<string, unknown> = data;
  for (const key of keys.slice(0, -1)) {
    if (!Object.hasOwn(node, key)) return;
    node = node[key] as Record<string, unknown>;
    if (node === null || typeof node !== 'object') return;
  }
  Object.defineProperty(node, keys.at(-1) as string, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/**
 * Renders with `render` until it stops failing on undefined variables; returns the paths that
 * had to be filled in. `isUndefinedVariable` tells the failures this is about from others.
 */
export function findMissingVariables(
  data: Record<string, unknown>,
  render: (data: object) => void,
  isUndefinedVariable: (err: unknown) => boolean,
): MissingVariable[] {
  const copy = structuredClone(data);
  const found = new Map<string, MissingVariable>();
  for (let round = 0; round < maxRounds; round++) {
    const last: { path?: string } = {};
    try {
      render(watched(copy, last));
      break;
    } catch (err) {
      if (!isUndefinedVariable(err) || last.path === undefined || found.has(last.path)) break;
      found.set(last.path, { path: last.path, pattern: last.path.replace(/\[\d+\]/g, '[]') });
      setAt(copy, last.path, standIn());
    }
  }
  return [...found.values()];
}
