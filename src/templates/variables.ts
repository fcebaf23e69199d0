// Which data a template uses, read from its Liquid without rendering: every path
// (`order.items[].price`, loop variables resolved to the list they walk), whether it is
// required (used outside any condition and without `default`), and where. The API shows it
// as a JSON-schema-like description, so a developer knows what to send.
import {
  CaseTag,
  ForTag,
  IfTag,
  type Liquid,
  Output,
  TablerowTag,
  type Template,
  UnlessTag,
  type Variable,
} from 'liquidjs';
import { emptyRecord } from '../records/index.ts';
import type { TemplateContent } from './content.ts';
import { htmlEngine, systemVariables, textEngine } from './liquid.ts';

export interface VariableUse {
  /** `order.items[].price` */
  path: string;
  required: boolean;
  /** Where it is used: the content field and the position in it. */
  locations: { part: string; line: number; column: number }[];
}

/** JSON Schema (draft 2020-12 vocabulary), as far as usage tells. */
export interface DataSchema {
  type?: 'object' | 'array';
  properties?: Record<string, DataSchema>;
  required?: string[];
  items?: DataSchema;
}

type Segments = (string | number)[];

interface WalkNode {
  arguments?: () => Iterable<unknown>;
  children?: (partials: boolean, sync: boolean) => Generator<unknown, Template[], unknown>;
  blockScope?: () => Iterable<string>;
  localScope?: () => Iterable<{ content: string }>;
}

function childrenOf(node: WalkNode): Template[] {
  if (!node.children) return [];
  const it = node.children(false, true);
  let step = it.next();
  while (!step.done) step = it.next();
  return step.value ?? [];
}

/** The variables in a node's own arguments (not its children), via liquidjs's analysis. */
function argumentVariables(engine: Liquid, node: WalkNode): Variable[] {
  if (!node.arguments) return [];
  const own = { arguments: () => node.arguments?.() ?? [] } as unknown as Template;
  return Object.values(engine.analyzeSync([own], { partials: false }).variables).flat();
}

function plainSegments(variable: Variable): Segments | undefined {
  const out: Segments = [];
  for (const s of variable.segments) {
    // `a[b]` with a variable index: the path continues as "any element".
    if (typeof s === 'object') return out.length > 0 ? [...out, '[]'] : undefined;
    out.push(typeof s === 'number' ? '[]' : s);
  }
  return out;
}

function toPath(segments: Segments): string {
  let out = '';
  for (const s of segments) out += s === '[]' ? '[]' : out === '' ? s : `.${s}`;
  return out;
}

/** Collects variable uses of one parsed Liquid part into `uses`. */
function collectVariables(
  templates: Template[],
  part: string,
  uses: Map<string, VariableUse>,
  engine: Liquid = textEngine,
) {
  // A scope maps local names to the global path they stand for (null: a local value).
  const walk = (nodes: Template[], scopes: Map<string, Segments | null>[], conditional: boolean) => {
    const resolve = (segments: Segments): Segments | undefined => {
      const [root, ...rest] = segments;
      for (let i = scopes.length - 1; i >= 0; i--) {
        const scope = scopes[i] as Map<string, Segments | null>;
        if (scope.has(root as string)) {
          const target = scope.get(root as string);
          return target ? [...target, ...rest] : undefined;
        }
      }
      return segments;
    };
    const record = (variable: Variable, optional: boolean) => {
      const plain = plainSegments(variable);
      const segments = plain && resolve(plain);
      if (!segments || segments.length === 0 || segments[0] === '[]') return;
      // Aviso fills these in itself ({{ unsubscribe_url }}): not data the sender gives.
      if (segments.length === 1 && (segments[0] as string) in systemVariables) return;
      const path = toPath(segments);
      const use = uses.get(path) ?? { path, required: false, locations: [] };
      use.required ||= !optional;
      use.locations.push({ part, line: variable.location.row, column: variable.location.col });
      uses.set(path, use);
    };
    for (const node of nodes as (Template & WalkNode)[]) {
      const isCondition = node instanceof IfTag || node instanceof UnlessTag || node instanceof CaseTag;
      const withDefault = node instanceof Output && node.value.filters.some((f) => f.name === 'default');
      const args = argumentVariables(engine, node);
      for (const variable of args) record(variable, conditional || isCondition || withDefault);
      for (const local of node.localScope?.() ?? [])
        (scopes.at(-1) as Map<string, Segments | null>).set(local.content, null);
      const children = childrenOf(node);
      if (children.length === 0) continue;
      const block = new Map<string, Segments | null>();
      if (node instanceof ForTag || node instanceof TablerowTag) {
        const [item, loop] = [...(node.blockScope?.() ?? [])] as string[];
        const collection = args[0] && plainSegments(args[0]);
        const target = collection && resolve(collection);
        if (item) block.set(item, target ? [...target, '[]'] : null);
        if (loop) block.set(loop, null);
      }
      walk(children, [...scopes, block], conditional || isCondition);
    }
  };
  walk(templates, [new Map()], false);
}

/**
 * Builds the JSON-schema-like description from the uses. The paths are template text, so the
 * `properties` maps have no prototype: a stored `{{ a.__proto__.b }}` (saving refuses it now,
 * older rows may hold it) describes a property named `__proto__` and touches nothing else.
 */
export function dataSchema(uses: Iterable<VariableUse>): DataSchema {
  const root: DataSchema = { type: 'object', properties: emptyRecord() };
  for (const use of uses) {
    const segments = use.path.split(/(\[\])|\./).filter((s) => s !== undefined && s !== '');
    let node = root;
    segments.forEach((segment, i) => {
      if (segment === '[]') {
        node.type = 'array';
        delete node.properties;
        node.items ??= {};
        node = node.items;
        return;
      }
      if (node.type !== 'array') node.type = 'object';
      node.properties ??= emptyRecord();
      if (!Object.hasOwn(node.properties, segment)) node.properties[segment] = {};
      // Required at a level when a required path goes through it.
      if (use.required && !node.required?.includes(segment))
        node.required = [...(node.required ?? []), segment];
      node = node.properties[segment] as DataSchema;
      if (i < segments.length - 1 && segments[i + 1] !== '[]') node.type = 'object';
    });
  }
  return root;
}

/** Every Liquid field of a template, with its path in the content (`locales.es.email.mjml`). */
export function liquidFields(content: TemplateContent): { path: string; source: string; html: boolean }[] {
  const fields: { path: string; source: string; html: boolean }[] = [];
  for (const [locale, { email, sms, whatsapp }] of Object.entries(content.locales)) {
    const at = `locales.${locale}`;
    if (email) {
      for (const part of ['subject', 'preheader', 'mjml', 'html', 'text'] as const) {
        const source = email[part];
        if (source !== undefined)
          fields.push({ path: `${at}.email.${part}`, source, html: part === 'mjml' || part === 'html' });
      }
    }
    if (sms) fields.push({ path: `${at}.sms.text`, source: sms.text, html: false });
    if (whatsapp) {
      const p = whatsapp.parameters;
      const base = `${at}.whatsapp.parameters`;
      for (const [i, source] of (p.header ?? []).entries())
        fields.push({ path: `${base}.header[${i}]`, source, html: false });
      for (const [i, source] of (p.body ?? []).entries())
        fields.push({ path: `${base}.body[${i}]`, source, html: false });
      for (const [i, b] of (p.buttons ?? []).entries()) {
        fields.push({ path: `${base}.buttons[${i}].text`, source: b.text, html: false });
      }
    }
  }
  return fields;
}

/** The data a template's content uses: a schema and the flat list of paths with positions. */
export function describeTemplateData(content: TemplateContent): { schema: DataSchema; paths: VariableUse[] } {
  const uses = new Map<string, VariableUse>();
  for (const field of liquidFields(content)) {
    collectVariables((field.html ? htmlEngine : textEngine).parse(field.source), field.path, uses);
  }
  const paths = [...uses.values()].sort((a, b) => (a.path < b.path ? -1 : 1));
  return { schema: dataSchema(paths), paths };
}
