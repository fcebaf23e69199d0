// What the API and the template threads say to each other: the jobs, their answers, and
// errors in a form that crosses the thread boundary (structured clone drops classes).
import { ApiError, type ErrorAnswer, type ErrorBody } from '../../errors/index.ts';
import type { CompileInput } from '../compile.ts';
import type { LayoutContent, TemplateContent, TemplateKind } from '../content.ts';
import type { RenderEnvironment } from '../liquid.ts';
import type { Channel, RenderedTemplate } from '../render.ts';
import type { DataSchema, VariableUse } from '../variables.ts';

export interface RenderItem {
  data: Record<string, unknown>;
  environment: RenderEnvironment;
  channels: readonly Channel[];
}

export type TemplateJob =
  | { kind: 'validate'; templateKind: TemplateKind; content: TemplateContent | LayoutContent }
  | { kind: 'describe'; content: TemplateContent }
  | { kind: 'compile'; input: CompileInput }
  /** Renders each item with the template compiled under `cacheId` (compiled from `input` once). */
  | { kind: 'render'; cacheId: string; input: CompileInput; items: RenderItem[] };

export type RenderOutcome = { rendered: RenderedTemplate } | { error: WireError };

export interface JobResults {
  validate: ErrorBody[];
  describe: { schema: DataSchema; paths: VariableUse[] };
  compile: null;
  render: RenderOutcome[];
}

export type WireError = { api: ErrorAnswer } | { internal: { message: string; stack?: string } };

export type ThreadMessage =
  | { ready: true }
  | { id: number; ok: true; value: unknown; compiles: number }
  | { id: number; ok: false; error: WireError; compiles: number };

/** A stack overflow in MJML, juice or Liquid means the source nests deeper than they can walk. */
function isStackOverflow(err: unknown): boolean {
  return err instanceof RangeError && /call stack/i.test(err.message);
}

export function toWire(err: unknown): WireError {
  if (err instanceof ApiError) {
    const body = err.toBody().error;
    return { api: { ...body, ...(err.details ? { details: err.details } : {}) } };
  }
  if (isStackOverflow(err)) {
    return {
      api: {
        code: 'template_too_large',
        message: 'The template nests elements or blocks deeper than can be processed.',
      },
    };
  }
  const e = err as Error;
  return { internal: { message: e?.message ?? String(err), ...(e?.stack ? { stack: e.stack } : {}) } };
}

export function fromWire(wire: WireError): Error {
  if ('api' in wire) return ApiError.of(wire.api.details ?? [wire.api]);
  const err = new Error(wire.internal.message);
  if (wire.internal.stack) err.stack = wire.internal.stack;
  return err;
}
