import { afterEach, describe, expect, it } from 'vitest';
import { textEngine } from './liquid.ts';
import { findMissingVariables } from './missing-variables.ts';
import { dataSchema } from './variables.ts';

const prototypeKeys = () => Object.getOwnPropertyNames(Object.prototype).sort();
const cleanKeys = prototypeKeys();

afterEach(() => {
  // A failure here means a test polluted the prototype every object of the process shares.
  expect(prototypeKeys()).toEqual(cleanKeys);
});

describe('paths from template text never reach a prototype', () => {
  it.each([
    '__proto__.type',
    'a.__proto__.type',
    'a.__proto__[].required',
    'constructor.prototype.type',
    'items[].__proto__.items',
  ])('describes %s as plain properties', (path) => {
    const schema = dataSchema([{ path, required: true, locations: [] }]);
    expect(JSON.parse(JSON.stringify(schema)).type).toBe('object');
    expect(({} as Record<string, unknown>).type).toBeUndefined();
    expect(({} as Record<string, unknown>).items).toBeUndefined();
    expect(({} as Record<string, unknown>).required).toBeUndefined();
  });

  it('fills in missing data without writing through __proto__', () => {
    const parsed = textEngine.parse('{{ __proto__.polluted }}{{ a.__proto__.polluted }}{{ b.c }}');
    const render = (data: object) => textEngine.renderSync(parsed, data);
    const isUndefined = (err: unknown) => /undefined variable/i.test(String((err as Error).message));
    const missing = findMissingVariables({ a: {} }, render, isUndefined);
    expect(missing.map((m) => m.path)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
