// fast-check arbitraries from the JSON Schemas of an OpenAPI 3.1 document: values that match a
// schema, and, with `chaos`, values where any node may instead be an edge case (wrong type,
// NUL, lone surrogate, 3,000 characters, emoji, numbers past int4 and float ranges, unknown
// fields, missing required fields). Used by the property-based API test to make requests the
// way an outside fuzzer would.
import fc from 'fast-check';

/** A JSON Schema node as the OpenAPI document holds it (draft 2020-12 vocabulary). */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  prefixItems?: JsonSchema[];
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

/** Values no schema-valid request holds, or that probe the edges of what storage takes. */
const edgeValues: readonly unknown[] = [
  null,
  true,
  0,
  -1,
  2 ** 31,
  99_999_999_999,
  1e308,
  -1e308,
  0.5,
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '😀🇪🇸👩‍👩‍👧',
  'x'.repeat(3000),
  '../../etc/passwd',
  '<script>alert(1)</script>',
  "'; DROP TABLE messages; --",
  '%00',
  '\r\nX-Injected: 1',
  '__proto__',
  [],
  {},
  // Own keys as a JSON body would carry them (a literal `__proto__:` would set the prototype).
  JSON.parse('{"__proto__": {"polluted": true}}'),
  JSON.parse('{"constructor": {"prototype": {"polluted": true}}}'),
  ['\u0000'],
];

export interface ArbitraryOptions {
  /** Weight (0–100) with which any node is replaced by an edge value or mutated. */
  chaos: number;
  /** Nesting beyond which free-form objects and arrays stay empty. */
  maxDepth?: number;
}

const edge = fc.constantFrom(...edgeValues);

export class SchemaArbitraries {
  constructor(private readonly components: Record<string, JsonSchema>) {}

  resolve(schema: JsonSchema): JsonSchema {
    let s = schema;
    for (let i = 0; s.$ref && i < 20; i++) {
      const name = s.$ref.replace(/^#\/components\/schemas\//, '');
      const target = this.components[name];
      if (!target) throw new Error(`unknown $ref ${s.$ref}`);
      s = target;
    }
    return s;
  }

  /** Values for `schema`: valid ones, or with `chaos`, sometimes not. */
  of(schema: JsonSchema, options: ArbitraryOptions, depth = 0): fc.Arbitrary<unknown> {
    const valid = this.valid(this.resolve(schema), options, depth);
    if (options.chaos <= 0) return valid;
    return fc.oneof(
      { arbitrary: valid, weight: 100 - options.chaos },
      { arbitrary: edge, weight: options.chaos },
    );
  }

  private valid(s: JsonSchema, options: ArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
    const maxDepth = options.maxDepth ?? 4;
    if (s.const !== undefined) return fc.constant(s.const);
    if (s.enum) return fc.constantFrom(...s.enum);
    const union = s.anyOf ?? s.oneOf;
    if (union && union.length > 0) return fc.oneof(...union.map((u) => this.of(u, options, depth + 1)));
    if (s.allOf && s.allOf.length > 0) return this.of(s.allOf[0] as JsonSchema, options, depth + 1);
    const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
    if (types.length > 1) {
      return fc.oneof(...types.map((type) => this.valid({ ...s, type }, options, depth)));
    }
    switch (types[0]) {
      case 'null':
        return fc.constant(null);
      case 'boolean':
        return fc.boolean();
      case 'integer':
        return fc.integer({
          min: Math.max(s.minimum ?? -1000, -(2 ** 31)),
          max: Math.min(s.maximum ?? 1_000_000, 2 ** 31 - 1),
        });
      case 'number':
        return fc.double({
          min: s.minimum ?? s.exclusiveMinimum ?? -1e6,
          max: s.maximum ?? s.exclusiveMaximum ?? 1e6,
          noNaN: true,
          noDefaultInfinity: true,
          minExcluded: s.exclusiveMinimum !== undefined,
          maxExcluded: s.exclusiveMaximum !== undefined,
        });
      case 'string':
        return this.string(s);
      case 'array': {
        const item = s.items ?? {};
        return fc.array(this.of(item, options, depth + 1), {
          minLength: s.minItems ?? 0,
          maxLength: depth >= maxDepth ? (s.minItems ?? 0) : Math.min(s.maxItems ?? 4, 4),
        });
      }
      case 'object':
        return this.object(s, options, depth);
      default:
        // No type: anything JSON.
        return depth >= maxDepth ? fc.constant({}) : fc.jsonValue({ maxDepth: 2 });
    }
  }

  private string(s: JsonSchema): fc.Arbitrary<string> {
    const minLength = s.minLength ?? 0;
    const maxLength = Math.min(s.maxLength ?? 40, Math.max(minLength, 40));
    if (s.pattern) {
      const pattern = new RegExp(s.pattern);
      try {
        return fc
          .stringMatching(pattern)
          .filter((v) => v.length >= minLength && (s.maxLength === undefined || v.length <= s.maxLength));
      } catch {
        // A pattern fast-check cannot generate from (lookarounds): the schema's examples, or any
        // string (the server's refusal is then what is tested).
        const examples = (s as { examples?: unknown[] }).examples?.filter((e) => typeof e === 'string');
        return examples && examples.length > 0
          ? fc.constantFrom(...(examples as string[]))
          : fc.string({ minLength, maxLength });
      }
    }
    switch (s.format) {
      case 'date-time':
        return fc
          .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
          .map((d) => d.toISOString());
      case 'uri':
        return fc.webUrl();
      case 'email':
        return fc.emailAddress();
      case 'uuid':
        return fc.uuid();
    }
    return fc.string({ minLength, maxLength, unit: 'grapheme' });
  }

  private object(s: JsonSchema, options: ArbitraryOptions, depth: number): fc.Arbitrary<unknown> {
    const properties = s.properties ?? {};
    const required = new Set(s.required ?? []);
    const known = Object.entries(properties).map(
      ([key, value]) => [key, this.of(value, options, depth + 1)] as const,
    );
    const record = fc.record(Object.fromEntries(known), {
      requiredKeys: [...required].filter((k) => k in properties),
    });
    const free = s.additionalProperties;
    const extra =
      free && typeof free === 'object' && depth < (options.maxDepth ?? 4)
        ? fc.dictionary(
            s.propertyNames ? (this.of(s.propertyNames, { chaos: 0 }) as fc.Arbitrary<string>) : fc.string(),
            this.of(free, options, depth + 1),
            { maxKeys: 3 },
          )
        : fc.constant({});
    let value: fc.Arbitrary<Record<string, unknown>> = fc
      .tuple(record, extra)
      .map(([r, e]) => ({ ...e, ...r }) as Record<string, unknown>);
    if (options.chaos > 0) {
      // Mutations of the whole object: a required field left out, or an unknown one added.
      value = fc.oneof(
        { arbitrary: value, weight: 100 - options.chaos },
        {
          arbitrary: fc
            .tuple(value, fc.constantFrom(...(required.size > 0 ? required : ['x'])))
            .map(([v, key]) => {
              const copy = { ...v };
              delete copy[key];
              return copy;
            }),
          weight: options.chaos / 2,
        },
        {
          arbitrary: value.map((v) => ({ ...v, unknownFieldFromFuzzer: 1 })),
          weight: options.chaos / 2,
        },
      );
    }
    return value;
  }
}
