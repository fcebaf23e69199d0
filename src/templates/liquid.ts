// The Liquid sandbox every template runs in. Template authors are not trusted with the
// machine: no file access (include, render and layout are refused at parse time), only own
// properties of the data (no `constructor.constructor`), bounded parse size, render time and
// memory, strict variables (a missing value is an error, never a silent blank), and filters
// for money and dates in the recipient's locale and timezone.
import { Liquid, type Template } from 'liquidjs';
import { ApiError, type ErrorBody } from '../errors/index.ts';
import { isStandIn } from './missing-variables.ts';

/** Where a render happens: the recipient's locale and timezone, used by the filters. */
/**
 * What `{{ unsubscribe_url }}` renders to: a stand-in (the .invalid domain never resolves)
 * that the worker replaces with the message's own signed unsubscribe link when it sends, since
 * the link needs the message id and the public URL. Previews show the stand-in.
 */
export const unsubscribeUrlMarker = 'https://unsubscribe.aviso.invalid/';

/** Variables every template has without the data giving them. */
export const systemVariables: Readonly<Record<string, string>> = { unsubscribe_url: unsubscribeUrlMarker };

export interface RenderEnvironment {
  locale: string;
  timezone: string;
}

const limits = {
  /** Characters in one template. */
  parseLimit: 4_000_000,
  /** Milliseconds of rendering for one template part. */
  renderLimit: 1000,
  /** Bytes of strings and arrays a render may allocate (ranges, joins, output). */
  memoryLimit: 20_000_000,
};

const options = {
  ...limits,
  strictVariables: true,
  // `{% if promo %}` and `{{ x | default: "…" }}` may test a value that is absent.
  lenientIf: true,
  strictFilters: true,
  ownPropertyOnly: true,
  relativeReference: false,
  jsTruthy: false,
  // Nothing can be read from disk: the fs refuses every lookup (tags below refuse first).
  fs: {
    exists: async () => false,
    existsSync: () => false,
    readFile: async () => '',
    readFileSync: () => '',
    resolve: (_dir: string, file: string) => file,
    contains: async () => false,
  },
} as const;

/** Plain text: subject, SMS, WhatsApp parameters, the text part. */
export const textEngine = new Liquid(options);
/** HTML: every output is HTML-escaped unless the author writes `| raw`. */
export const htmlEngine = new Liquid({ ...options, outputEscape: 'escape' });

const refusedTags = ['include', 'render', 'layout'];

for (const engine of [textEngine, htmlEngine]) {
  for (const tag of refusedTags) {
    engine.registerTag(tag, {
      parse() {
        throw new Error(`{% ${tag} %} is not available: templates cannot read files (use a layout instead)`);
      },
      render() {},
    });
  }
  registerFilters(engine);
}

function environmentOf(context: { globals: unknown }): RenderEnvironment {
  const globals = context.globals as { aviso?: RenderEnvironment } | undefined;
  return globals?.aviso ?? { locale: 'en', timezone: 'UTC' };
}

const dateStyles = ['short', 'medium', 'long', 'full'] as const;
type DateStyle = (typeof dateStyles)[number];

function toDate(value: unknown): Date | undefined {
  if (value instanceof Date) return value;
  if (typeof value === 'number') return new Date(value < 1e12 ? value * 1000 : value);
  if (typeof value === 'string') {
    if (value === 'now' || value === 'today') return new Date();
    const date = new Date(value);
    if (!Number.isNaN(date.getTime())) return date;
  }
  return undefined;
}

function styleOf(style: unknown, filter: string): DateStyle {
  if (style === undefined || style === null) return 'medium';
  if ((dateStyles as readonly unknown[]).includes(style)) return style as DateStyle;
  throw new Error(`${filter}: the style is one of ${dateStyles.join(', ')}, not "${String(style)}"`);
}

const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

/** Intl formatters are costly to build; a render reuses them per locale and option set. */
function cachedFormatter<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let formatter = formatters.get(key);
  if (!formatter) {
    if (formatters.size > 2000) formatters.clear();
    formatter = make();
    formatters.set(key, formatter);
  }
  return formatter as T;
}

function registerFilters(engine: Liquid) {
  engine.registerFilter(
    'money',
    function (this: { context: { globals: unknown } }, value: unknown, currency: unknown) {
      if (isStandIn(value)) return '';
      const amount = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof amount !== 'number' || !Number.isFinite(amount)) {
        throw new Error(`money: expected a number, got ${JSON.stringify(value)}`);
      }
      if (typeof currency !== 'string' || !/^[A-Za-z]{3}$/.test(currency)) {
        throw new Error(`money: give a currency code, e.g. money: "EUR" (got ${JSON.stringify(currency)})`);
      }
      const { locale } = environmentOf(this.context);
      const code = currency.toUpperCase();
      return cachedFormatter(
        `money:${locale}:${code}`,
        () => new Intl.NumberFormat(locale, { style: 'currency', currency: code }),
      ).format(amount);
    },
  );

  const dateFilter = (name: string, parts: 'date' | 'time' | 'datetime') =>
    function (this: { context: { globals: unknown } }, value: unknown, style?: unknown) {
      if (isStandIn(value)) return '';
      const date = toDate(value);
      if (!date)
        throw new Error(
          `${name}: expected a date such as "2026-11-22T10:00:00Z", got ${JSON.stringify(value)}`,
        );
      const s = styleOf(style, name);
      const { locale, timezone } = environmentOf(this.context);
      return cachedFormatter(
        `${name}:${locale}:${timezone}:${s}`,
        () =>
          new Intl.DateTimeFormat(locale, {
            ...(parts !== 'time' ? { dateStyle: s } : {}),
            ...(parts === 'datetime' ? { timeStyle: s === 'full' ? 'long' : 'short' } : {}),
            ...(parts === 'time' ? { timeStyle: s } : {}),
            timeZone: timezone,
          }),
      ).format(date);
    };
  engine.registerFilter('format_date', dateFilter('format_date', 'date'));
  engine.registerFilter('format_datetime', dateFilter('format_datetime', 'datetime'));
  engine.registerFilter('format_time', dateFilter('format_time', 'time'));
}

/** A syntax error with its position in the source (1-based). */
export interface SyntaxIssue {
  message: string;
  line?: number;
  column?: number;
}

/** liquidjs errors end with ", line:3, col:9" and may carry the source excerpt after it. */
export function liquidIssue(err: unknown): SyntaxIssue {
  const message = ((err as Error).message ?? String(err)).split('\n')[0] as string;
  const at = /,? line:(\d+), col:(\d+)$/.exec(message);
  if (!at) return { message };
  return { message: message.slice(0, at.index), line: Number(at[1]), column: Number(at[2]) };
}

/** Parses Liquid; a syntax error becomes template_invalid at `path` with its line and column. */
export function parseLiquid(engine: Liquid, source: string, path: string): Template[] {
  try {
    return engine.parse(source);
  } catch (err) {
    throw ApiError.of([syntaxError(path, liquidIssue(err))]);
  }
}

export function syntaxError(path: string, issue: SyntaxIssue): ErrorBody {
  const where =
    issue.line !== undefined ? `Line ${issue.line}${issue.column ? `, column ${issue.column}` : ''}: ` : '';
  return {
    code: 'template_invalid',
    message: `${where}${issue.message}`,
    path,
    ...(issue.line !== undefined ? { line: issue.line } : {}),
    ...(issue.column !== undefined ? { column: issue.column } : {}),
  };
}
