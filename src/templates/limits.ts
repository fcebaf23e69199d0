// The bounds of what one template may hold and produce, so that no tenant's template can
// exhaust a template thread or fill a message store: checked on the source before any costly
// work (Liquid tags and outputs per field, MJML nesting), and on every rendered part. Sizes of
// each field's source are in the content schemas (content.ts); time and memory are bounded by
// the template threads (threads/pool.ts).
import type { ErrorBody } from '../errors/index.ts';

export const templateLimits = {
  /** Liquid tags and outputs (`{% … %}`, `{{ … }}`) in one field. */
  liquidNodes: 5000,
  /** Depth of nested MJML elements (`<mj-wrapper>` in `<mj-section>` …). */
  mjmlNesting: 100,
  /** Characters of each rendered part. */
  output: {
    subject: 998,
    html: 2_000_000,
    text: 1_000_000,
    sms: 10_000,
    whatsappParameter: 4096,
  },
} as const;

export type OutputPart = keyof typeof templateLimits.output;

const liquidOpening = /\{\{|\{%/g;

function countOf(pattern: RegExp, source: string): number {
  let n = 0;
  pattern.lastIndex = 0;
  while (pattern.exec(source)) n++;
  return n;
}

/** 1-based line and column of `index` in `source`. */
export function positionOf(source: string, index: number): { line: number; column: number } {
  const before = source.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

/** Liquid tags and outputs over the limit: refused before parsing, which grows with them. */
export function liquidSizeIssues(source: string, path: string): ErrorBody[] {
  const nodes = countOf(liquidOpening, source);
  if (nodes <= templateLimits.liquidNodes) return [];
  return [
    {
      code: 'template_too_large',
      message: `This field has ${nodes} Liquid tags and outputs; the limit is ${templateLimits.liquidNodes}.`,
      path,
    },
  ];
}

const mjmlTag = /<(\/?)(mj-[a-z-]+)\b[^>]*?(\/?)>/g;

/** MJML nested deeper than the limit (MJML's renderer recurses per level): where it goes too deep. */
export function mjmlNestingIssues(source: string, path: string): ErrorBody[] {
  let depth = 0;
  mjmlTag.lastIndex = 0;
  for (let m = mjmlTag.exec(source); m; m = mjmlTag.exec(source)) {
    if (m[1] === '/') depth = Math.max(0, depth - 1);
    else if (m[3] !== '/') depth++;
    if (depth > templateLimits.mjmlNesting) {
      return [
        {
          code: 'template_too_large',
          message: `MJML elements are nested more than ${templateLimits.mjmlNesting} deep here.`,
          path,
          ...positionOf(source, m.index),
        },
      ];
    }
  }
  return [];
}

/** A rendered part over its limit: the data made the message too large to send. */
export function outputTooLarge(part: OutputPart, length: number): ErrorBody | undefined {
  const limit = templateLimits.output[part];
  if (length <= limit) return undefined;
  return {
    code: 'template_output_too_large',
    message: `With this data the rendered ${part} has ${length} characters; the limit is ${limit}.`,
    path: 'template',
  };
}
